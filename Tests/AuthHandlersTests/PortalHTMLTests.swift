import Testing
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

import AuthHandlers

/// The portal's escaping, checked the way a browser reads the result: a hostile value may change the text a page
/// shows, never its elements or attributes.
@Suite struct PortalHTMLTests {
    static let hostile = [
        "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "' onmouseover='alert(1)", "</title><script>x</script>",
        "&lt;already escaped&gt;", "&amp", "&#x3C;script&#x3E;", "a\"b'c<d>e&f", "javascript:alert(1)", " javascript:alert(1)",
        "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>", "//evil.example/x", "/\\evil.example",
        "<!-- comment -->", "<![CDATA[x]]>", "\u{0}\u{1}\u{7F}\u{FFFE}", "x\u{2028}y", "🙂 ünïcödé", "=x", "`x`", "",
    ]

    static func page(_ value: String) -> HTML {
        """
        <title>\(value)</title><p id="t">\(value)</p><input name="v" value=\(attribute: value)>\
        <a href=\(url: value)>\(value)</a><textarea>\(value)</textarea>
        """
    }

    @Test("hostile values change no element or attribute, and read back as themselves", arguments: hostile)
    func structureHolds(_ value: String) throws {
        let benign = HTMLTokenizer.tokenize(Self.page("x").rendered).map(\.shape)
        let tokens = HTMLTokenizer.tokenize(Self.page(value).rendered)
        // An empty value leaves out its text nodes; compare with the benign shape minus those.
        let shape = tokens.map(\.shape)
        #expect(value.isEmpty ? shape == benign.filter { $0 != "#text" } : shape == benign)
        let expected = value.unicodeScalars.map { scalar -> String in
            let v = scalar.value
            let forbidden = (v < 0x20 && v != 9 && v != 10 && v != 13) || (0x7F...0x9F).contains(v) || v & 0xFFFE == 0xFFFE
            return forbidden ? "\u{FFFD}" : String(scalar)
        }.joined()
        let texts = tokens.compactMap { if case .text(let t) = $0 { t } else { nil } }
        if !value.isEmpty { #expect(texts == [expected, expected, expected, expected]) }
        let attributes = tokens.compactMap { if case .start(_, let a) = $0 { a } else { nil } }.flatMap { $0 }
        #expect(attributes.first { $0.name == "value" }?.value == expected)
        let href = try #require(attributes.first { $0.name == "href" }?.value)
        #expect(href == HTML.safeURL(value))
    }

    @Test("escaping known answers")
    func knownAnswers() {
        #expect(HTML.escapeText(#"<a href='x'>&"</a>"#) == "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;")
        let attribute: HTML = "<input value=\(attribute: "a\"b")>"
        #expect(attribute.rendered == "<input value=\"a&quot;b\">")
        let number: HTML = "<td>\(42)</td>"
        #expect(number.rendered == "<td>42</td>")
    }

    @Test(
        "URL context: only http(s) and same-site paths pass, other characters are percent-encoded",
        arguments: [
            ("https://app.example.com/a?b=c#d", "https://app.example.com/a?b=c#d"),
            ("/auth/portal/account", "/auth/portal/account"),
            ("?rd=x", "?rd=x"),
            ("javascript:alert(1)", "about:invalid"),
            ("JAVASCRIPT:alert(1)", "about:invalid"),
            (" javascript:alert(1)", "about:invalid"),
            ("\tjavascript:alert(1)", "about:invalid"),
            ("vbscript:x", "about:invalid"),
            ("data:text/html,x", "about:invalid"),
            ("//evil.example/", "about:invalid"),
            ("/\\evil.example/", "about:invalid"),
            ("relative/path", "about:invalid"),
            ("https://x/\"><script>", "https://x/%22%3E%3Cscript%3E"),
            ("https://x/a b\\c", "https://x/a%20b%5Cc"),
            ("https://x/é", "https://x/%C3%A9"),
        ])
    func urls(_ input: String, _ expected: String) {
        #expect(HTML.safeURL(input) == expected)
    }

    @Test("the sign-in and account pages keep their structure with hostile values")
    func pages() {
        for value in Self.hostile where !value.isEmpty {
            let benign = HTMLTokenizer.tokenize(PortalPages.login(csrf: "t", rd: "x", email: "x", error: "x", notice: "x").rendered)
            let tokens = HTMLTokenizer.tokenize(
                PortalPages.login(csrf: value, rd: value, email: value, error: value, notice: value).rendered)
            #expect(tokens.map(\.shape) == benign.map(\.shape), "\(value)")
            let problem = HTMLTokenizer.tokenize(PortalPages.problem(title: value, detail: value, link: (value, value)).rendered)
            let benignProblem = HTMLTokenizer.tokenize(PortalPages.problem(title: "x", detail: "x", link: ("x", "x")).rendered)
            #expect(problem.map(\.shape) == benignProblem.map(\.shape), "\(value)")
        }
    }

    @Test("the passkey parts keep their structure with hostile values, and show no button without a script")
    func passkeyParts() throws {
        func parts(_ value: String) -> [HTMLTokenizer.Token] {
            let row = PortalPages.PasskeyRow(id: value, name: value, createdAt: Date(timeIntervalSince1970: 0), lastUsedAt: nil)
            return HTMLTokenizer.tokenize(
                (PortalPages.login(csrf: value, rd: value, email: value, error: nil, notice: nil, passkey: true).rendered
                    + PortalPages.secondFactor(
                        csrf: value, mfaToken: value, rd: value, methods: ["totp", "webauthn"], passkey: true, error: value
                    ).rendered
                    + PortalPages.passkeySection(passkeys: [row, row], csrf: value, offered: true).rendered))
        }
        let benign = parts("x").map(\.shape)
        for value in Self.hostile where !value.isEmpty {
            #expect(parts(value).map(\.shape) == benign, "\(value)")
        }
        // Every passkey form is inside a box hidden until the script unhides it; each has the field it fills.
        let page = PortalPages.login(csrf: "t", rd: nil, email: "", error: nil, notice: nil, passkey: true).rendered
        #expect(page.contains("<div data-passkey-ui hidden>\n<p class=\"or\">"))
        #expect(page.contains("data-passkey=\"login\"") && page.contains("name=\"credential\""))
        #expect(!PortalPages.login(csrf: "t", rd: nil, email: "", error: nil, notice: nil).rendered.contains("passkey"))
        let section = PortalPages.passkeySection(passkeys: [], csrf: "t", offered: false).rendered
        #expect(!section.contains("data-passkey") && section.contains("cannot be added at this address"))
    }
}

@Suite struct QRCodeImageTests {
    @Test("the QR image is one path of unit squares in a quiet zone, its label escaped")
    func svg() throws {
        let uri = "otpauth://totp/Gatehouse:john%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Gatehouse"
        let image = try QRCodeImage.svg(for: uri, label: "<b>\"x\"</b>").rendered
        let tokens = HTMLTokenizer.tokenize(image)
        #expect(
            tokens.map(\.shape) == [
                "<svg xmlns viewbox width height role aria-label shape-rendering>", "<rect width height fill>",
                "<path fill d>", "</svg>",
            ])
        #expect(image.contains("aria-label=\"&lt;b&gt;&quot;x&quot;&lt;/b&gt;\""))
        #expect(!image.contains("<b>") && !image.contains("style") && !image.contains("script"))
    }
}
