/// A small HTML tokenizer for the escaping tests, following the WHATWG tokenizer's states for what the portal's
/// pages contain: data with character references, start and end tags, attributes (double-quoted, single-quoted,
/// unquoted, bare), comments and the doctype, and the raw text of `script`/`style` and escapable raw text of
/// `title`/`textarea`. It reads markup the way a browser would, so a test can ask what a browser would see.
struct HTMLTokenizer {
    enum Token: Equatable {
        case text(String)
        case start(name: String, attributes: [Attribute])
        case end(name: String)
        case comment(String)

        /// The token without its text and attribute values: what must not change whatever a value holds.
        var shape: String {
            switch self {
            case .text: "#text"
            case .start(let name, let attributes): "<\(name) \(attributes.map(\.name).joined(separator: " "))>"
            case .end(let name): "</\(name)>"
            case .comment: "<!-->"
            }
        }
    }

    struct Attribute: Equatable {
        let name: String
        let value: String
    }

    static func tokenize(_ html: String) -> [Token] {
        let chars = Array(html.unicodeScalars)
        var tokens: [Token] = []
        var text = ""
        var i = 0
        func flush() {
            if !text.isEmpty { tokens.append(.text(text)) }
            text = ""
        }
        func isLetter(_ c: Unicode.Scalar) -> Bool { c.properties.isASCIIHexDigit || (c.isASCII && c.properties.isAlphabetic) }
        func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0C}" }
        while i < chars.count {
            let c = chars[i]
            if c == "&" {
                let (decoded, next) = reference(chars, i)
                text += decoded
                i = next
            } else if c == "<", i + 1 < chars.count, chars[i + 1] == "!" {
                flush()
                var end = i + 2
                while end < chars.count, chars[end] != ">" { end += 1 }
                tokens.append(.comment(String(String.UnicodeScalarView(chars[(i + 2)..<min(end, chars.count)]))))
                i = end + 1
            } else if c == "<", i + 1 < chars.count, isLetter(chars[i + 1]) || (chars[i + 1] == "/" && i + 2 < chars.count && isLetter(chars[i + 2])) {
                flush()
                let closing = chars[i + 1] == "/"
                i += closing ? 2 : 1
                var name = ""
                while i < chars.count, !isSpace(chars[i]), chars[i] != "/", chars[i] != ">" {
                    name += String(chars[i]).lowercased()
                    i += 1
                }
                var attributes: [Attribute] = []
                while i < chars.count, chars[i] != ">" {
                    if isSpace(chars[i]) || chars[i] == "/" { i += 1; continue }
                    var attributeName = String(chars[i]).lowercased()
                    i += 1
                    while i < chars.count, !isSpace(chars[i]), chars[i] != "/", chars[i] != ">", chars[i] != "=" {
                        attributeName += String(chars[i]).lowercased()
                        i += 1
                    }
                    while i < chars.count, isSpace(chars[i]) { i += 1 }
                    var value = ""
                    if i < chars.count, chars[i] == "=" {
                        i += 1
                        while i < chars.count, isSpace(chars[i]) { i += 1 }
                        if i < chars.count, chars[i] == "\"" || chars[i] == "'" {
                            let quote = chars[i]
                            i += 1
                            while i < chars.count, chars[i] != quote {
                                if chars[i] == "&" {
                                    let (decoded, next) = reference(chars, i)
                                    value += decoded
                                    i = next
                                } else {
                                    value.unicodeScalars.append(chars[i])
                                    i += 1
                                }
                            }
                            i += 1
                        } else {
                            while i < chars.count, !isSpace(chars[i]), chars[i] != ">" {
                                value.unicodeScalars.append(chars[i])
                                i += 1
                            }
                        }
                    }
                    if !attributes.contains(where: { $0.name == attributeName }) {
                        attributes.append(Attribute(name: attributeName, value: value))
                    }
                }
                i += 1
                if closing {
                    tokens.append(.end(name: name))
                } else {
                    tokens.append(.start(name: name, attributes: attributes))
                    if ["script", "style", "title", "textarea"].contains(name) {
                        // Raw text up to the matching end tag; title and textarea decode references.
                        let decodes = name == "title" || name == "textarea"
                        var raw = ""
                        while i < chars.count {
                            let rest = String(String.UnicodeScalarView(chars[i..<min(chars.count, i + name.count + 2)])).lowercased()
                            if rest == "</" + name { break }
                            if decodes, chars[i] == "&" {
                                let (decoded, next) = reference(chars, i)
                                raw += decoded
                                i = next
                            } else {
                                raw.unicodeScalars.append(chars[i])
                                i += 1
                            }
                        }
                        if !raw.isEmpty { tokens.append(.text(raw)) }
                    }
                }
            } else {
                text.unicodeScalars.append(c)
                i += 1
            }
        }
        flush()
        return tokens
    }

    /// A character reference at `start` (`&amp;`, `&#39;`, `&#x27;`), or a lone `&`.
    static func reference(_ chars: [Unicode.Scalar], _ start: Int) -> (String, Int) {
        var end = start + 1
        while end < chars.count, end - start < 12, chars[end] != ";", chars[end].isASCII,
            chars[end].properties.isAlphabetic || chars[end].properties.isASCIIHexDigit || chars[end] == "#"
        { end += 1 }
        guard end < chars.count, chars[end] == ";" else { return ("&", start + 1) }
        let body = String(String.UnicodeScalarView(chars[(start + 1)..<end]))
        let named = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'"]
        if let value = named[body] { return (value, end + 1) }
        if body.hasPrefix("#x") || body.hasPrefix("#X"), let code = UInt32(body.dropFirst(2), radix: 16),
            let scalar = Unicode.Scalar(code)
        {
            return (String(scalar), end + 1)
        }
        if body.hasPrefix("#"), let code = UInt32(body.dropFirst()), let scalar = Unicode.Scalar(code) {
            return (String(scalar), end + 1)
        }
        return ("&", start + 1)
    }
}
