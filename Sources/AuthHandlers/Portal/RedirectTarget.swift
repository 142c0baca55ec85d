/// The portal's `rd` parameter: where a browser goes after signing in. Only an `https` URL on a host under one of
/// `PORTAL_REDIRECT_DOMAINS` passes; everything else is refused and the caller sends the browser to the account page
/// (no open redirect).
///
/// The check is strict rather than clever: it accepts only URLs that every browser parses the same way. Printable
/// ASCII only (browsers drop tabs and newlines inside URLs and map Unicode hosts through IDNA: such a URL is refused,
/// its punycode form is accepted), no backslash anywhere (browsers read `\` as `/` in https URLs), no userinfo
/// (`https://good@evil`), no percent-encoding in the host, a host of letters, digits, `-` and dots (no IP-literal
/// brackets, no trailing dot), an optional numeric port, and then nothing but a path, query or fragment.
///
/// ```swift
/// RedirectTarget.check("https://app.example.com/reports?q=1", allowedDomains: ["example.com"])  // passes
/// RedirectTarget.check("https://example.com.evil.net/", allowedDomains: ["example.com"])       // nil
/// ```
package enum RedirectTarget {
    /// The longest `rd` accepted.
    package static let maxLength = 2048

    /// `target` if it may be redirected to, else nil.
    package static func check(_ target: String, allowedDomains: [String]) -> String? {
        let bytes = Array(target.utf8)
        guard !bytes.isEmpty, bytes.count <= maxLength,
            bytes.allSatisfy({ (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "\\") })
        else { return nil }
        let scheme = "https://"
        guard bytes.count > scheme.utf8.count, String(decoding: bytes.prefix(8), as: UTF8.self).lowercased() == scheme
        else { return nil }
        let rest = bytes.dropFirst(8)
        let authorityEnd = rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
            ?? rest.endIndex
        let authority = rest[rest.startIndex..<authorityEnd]
        var host = authority
        if let colon = authority.firstIndex(of: UInt8(ascii: ":")) {
            let port = authority[authority.index(after: colon)...]
            guard !port.isEmpty, port.count <= 5, port.allSatisfy({ (0x30...0x39).contains($0) }),
                Int(String(decoding: port, as: UTF8.self))! <= 65535
            else { return nil }
            host = authority[authority.startIndex..<colon]
        }
        let name = String(decoding: host, as: UTF8.self).lowercased()
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard !name.isEmpty, name.utf8.count <= 253,
            labels.allSatisfy({ label in
                !label.isEmpty && label.utf8.count <= 63
                    && label.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
            })
        else { return nil }
        guard allowedDomains.contains(where: { name == $0 || name.hasSuffix("." + $0) }) else { return nil }
        return "https://" + String(decoding: rest, as: UTF8.self)
    }
}
