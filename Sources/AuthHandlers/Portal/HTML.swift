/// A piece of HTML built from literal markup and escaped values: the only way portal pages are written.
///
/// Literal text in the template is trusted markup; every interpolated value is escaped for the context it is
/// interpolated as, and attribute values bring their own quotes, so a template cannot leave one unquoted:
///
/// ```swift
/// let name = "<script>alert(1)</script>"
/// let page: HTML = "<p>Hello, \(name)</p><a href=\(url: next)>Go on</a><input name=email value=\(attribute: email)>"
/// ```
/// - `\(text)`: text content (`&`, `<`, `>`, `"`, `'` as character references; NUL and other C0 controls except tab,
///   line feed and carriage return become U+FFFD).
/// - `\(attribute: value)`: a double-quoted attribute value, quotes included.
/// - `\(url: value)`: a double-quoted URL attribute (`href`, `action`, `src`): only `https:`/`http:` URLs and paths
///   that start with one `/` pass; anything else (`javascript:`, `data:`, `//host`, `/\host`) becomes
///   `about:invalid`. Characters outside URL syntax are percent-encoded.
/// - `\(html)`: a fragment that is itself an ``HTML`` (already escaped).
/// - `\(number)`: an integer.
package struct HTML: ExpressibleByStringInterpolation, Sendable, Equatable {
    package private(set) var rendered: String

    package init(stringLiteral value: String) {
        rendered = value
    }

    package init(stringInterpolation: StringInterpolation) {
        rendered = stringInterpolation.output
    }

    /// Joins fragments.
    package init(_ fragments: [HTML], separator: HTML = "") {
        rendered = fragments.map(\.rendered).joined(separator: separator.rendered)
    }

    package struct StringInterpolation: StringInterpolationProtocol {
        var output = ""

        package init(literalCapacity: Int, interpolationCount: Int) {
            output.reserveCapacity(literalCapacity + 16 * interpolationCount)
        }

        package mutating func appendLiteral(_ literal: String) {
            output += literal
        }

        package mutating func appendInterpolation(_ text: String) {
            output += HTML.escapeText(text)
        }

        package mutating func appendInterpolation(attribute value: String) {
            output += "\"" + HTML.escapeText(value) + "\""
        }

        package mutating func appendInterpolation(url value: String) {
            output += "\"" + HTML.escapeText(HTML.safeURL(value)) + "\""
        }

        package mutating func appendInterpolation(_ html: HTML) {
            output += html.rendered
        }

        package mutating func appendInterpolation(_ number: Int) {
            output += String(number)
        }
    }

    /// Text and double-quoted attribute values: the five characters that can end or start markup become character
    /// references, and control characters HTML forbids become U+FFFD.
    package static func escapeText(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let value = scalar.value
                if value < 0x20 || (0x7F...0x9F).contains(value) || (0xFDD0...0xFDEF).contains(value)
                    || value & 0xFFFE == 0xFFFE
                {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// The URL as it may stand in an attribute, or `about:invalid` when its scheme could run code or leave the
    /// site unexpectedly (`javascript:`, `data:`, `vbscript:`, scheme-relative `//host`, `/\host`).
    package static func safeURL(_ url: String) -> String {
        let bytes = Array(url.utf8)
        let allowed: Bool
        if bytes.first == UInt8(ascii: "/") {
            allowed = bytes.count == 1 || (bytes[1] != UInt8(ascii: "/") && bytes[1] != UInt8(ascii: "\\"))
        } else if bytes.first == UInt8(ascii: "?") || bytes.first == UInt8(ascii: "#") {
            allowed = true
        } else {
            let lower = url.prefix(8).lowercased()
            allowed = lower.hasPrefix("https://") || lower.hasPrefix("http://")
        }
        guard allowed else { return "about:invalid" }
        var out = ""
        for byte in bytes {
            // RFC 3986 unreserved, reserved and `%`; everything else (controls, space, quotes, `<>`, `\`, `^`, `` ` ``,
            // `{|}`, non-ASCII) is percent-encoded.
            if (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || Array("-._~:/?#[]@!$&()*+,;=%".utf8).contains(byte)
            {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return out
    }
}
