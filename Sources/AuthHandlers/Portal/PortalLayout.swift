#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import FCGIHost

/// The frame of every portal page and its headers: a strict `Content-Security-Policy` (no inline script or style,
/// forms only to this site and the redirect domains), the stylesheet, and the script only on pages with passkey
/// buttons.
struct PortalLayout {
    let assets: PortalAssets
    let contentSecurityPolicy: String

    init(assets: PortalAssets, redirectDomains: [String]) {
        self.assets = assets
        // A form's redirect target is checked against form-action too (the sign-in form ends on `rd`).
        let formTargets = redirectDomains.flatMap { ["https://\($0):*", "https://*.\($0):*"] }
        contentSecurityPolicy = ([
            "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'", "connect-src 'self'",
            "form-action " + (["'self'"] + formTargets).joined(separator: " "), "frame-ancestors 'none'",
            "base-uri 'none'",
        ]).joined(separator: "; ")
    }

    /// A whole page as a response.
    func page(
        title: String, body: HTML, status: Int = 200, script: Bool = false, cookies: [String] = [],
        headers extra: [(String, String)] = []
    ) -> Response {
        let scriptTag: HTML = script ? "<script src=\(url: assets.script.path) defer></script>" : ""
        let html: HTML = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · Gatehouse</title>
            <link rel="stylesheet" href=\(url: assets.stylesheet.path)>
            \(scriptTag)
            </head>
            <body>
            <main id="main">
            \(body)
            </main>
            </body>
            </html>

            """
        var headers = Headers([
            ("Content-Type", "text/html; charset=utf-8"), ("Content-Security-Policy", contentSecurityPolicy),
            ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"),
        ])
        for (name, value) in extra { headers.add(name, value) }
        for cookie in cookies { headers.add("Set-Cookie", cookie) }
        return Response(status: status, headers: headers, body: Array(html.rendered.utf8))
    }

    /// A `303 See Other` to `location` (after a form post, or a sign-in that is already valid).
    static func redirect(to location: String, cookies: [String] = []) -> Response {
        var headers = Headers([("Location", location)])
        for cookie in cookies { headers.add("Set-Cookie", cookie) }
        return Response(status: 303, headers: headers)
    }

    /// A message paragraph announced to screen readers; empty HTML without a message.
    static func message(_ text: String?, error: Bool) -> HTML {
        guard let text else { return "" }
        return error
            ? "<p class=\"error\" role=\"alert\" id=\"form-error\">\(text)</p>"
            : "<p class=\"notice\" role=\"status\">\(text)</p>"
    }
}
