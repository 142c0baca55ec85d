import Testing

import AuthHandlers

/// The portal's `rd` check against open redirects (API.md "Browser sign-in portal"): https URLs on hosts under
/// `PORTAL_REDIRECT_DOMAINS` only, and only in forms every browser parses the same way.
@Suite struct RedirectTargetTests {
    static let domains = ["example.com", "corp.test"]

    @Test(
        "allowed targets",
        arguments: [
            "https://example.com", "https://example.com/", "https://app.example.com/reports?q=1&r=%2F#top",
            "https://a.b.example.com:8443/x", "HTTPS://app.example.com/x", "https://APP.Example.COM/x",
            "https://corp.test/", "https://xn--bcher-kva.example.com/", "https://example.com?x", "https://example.com#f",
        ])
    func allowed(_ target: String) {
        #expect(RedirectTarget.check(target, allowedDomains: Self.domains) != nil)
    }

    @Test(
        "refused targets",
        arguments: [
            "", "/app", "//evil.com", "///evil.com", "http://example.com/", "ftp://example.com/", "javascript:alert(1)",
            "https://evil.com", "https://example.com.evil.com/", "https://evilexample.com/", "https://notexample.com",
            "https://good@evil.com/", "https://example.com@evil.com/", "https://example.com:pw@evil.com/",
            "https://evil.com\\@example.com/", "https:\\\\evil.com", "https:/\\evil.com", "https://example.com\\.evil.com",
            "https://evil.com#.example.com", "https://evil.com?.example.com", "https://evil.com/.example.com",
            "https://evil%2Ecom/", "https://example%2Ecom/", "https://ex%61mple.com/", "https://evil.com%2F.example.com",
            "https://еxample.com/", "https://example.com\u{3002}evil.com", "https://exam\tple.com/", "https://exam\nple.com",
            "https://example.com /x", " https://example.com", "https://example.com./", "https://.example.com/",
            "https://example..com/", "https://[::1]/", "https://127.0.0.1/", "https://example.com:/", "https://example.com:99999/",
            "https://example.com:80a/", "https://", "https:example.com", "https:/example.com",
            "https://example.com/" + String(repeating: "a", count: 2100),
        ])
    func refused(_ target: String) {
        #expect(RedirectTarget.check(target, allowedDomains: Self.domains) == nil)
    }

    @Test("no domains configured: nothing passes")
    func noDomains() {
        #expect(RedirectTarget.check("https://example.com/", allowedDomains: []) == nil)
    }

    @Test("the target comes back with its scheme in lower case and otherwise as given")
    func normalised() {
        #expect(RedirectTarget.check("HTTPS://App.example.com/A?b", allowedDomains: Self.domains) == "https://App.example.com/A?b")
    }
}
