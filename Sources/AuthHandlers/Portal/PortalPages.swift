#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import FCGIHost
import Store

/// The bodies of the portal's pages; values reach them only through ``HTML`` interpolation.
package enum PortalPages {
    /// The hidden CSRF field of every form.
    package static func csrfField(_ token: String) -> HTML {
        "<input type=\"hidden\" name=\"csrf\" value=\(attribute: token)>"
    }

    package static func login(
        csrf: String, rd: String?, email: String, error: String?, notice: String?, passkey: Bool = false
    ) -> HTML {
        let described: HTML = error == nil ? "" : " aria-describedby=\"form-error\" aria-invalid=\"true\""
        let rdField: HTML = rd.map { "<input type=\"hidden\" name=\"rd\" value=\(attribute: $0)>" } ?? ""
        return """
            <h1>Sign in</h1>
            \(PortalLayout.message(error, error: true))\(PortalLayout.message(notice, error: false))
            <form method="post" action="/auth/portal/login">
            \(csrfField(csrf))\(rdField)
            <label for="email">Email</label>
            <input id="email" name="email" type="text" inputmode="email" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus value=\(attribute: email)\(described)>
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required\(described)>
            <button type="submit">Sign in</button>
            </form>
            \(passkey ? passkeyLogin(csrf: csrf, rd: rd) : "")
            """
    }

    package static func logout(csrf: String, email: String?) -> HTML {
        let who: HTML = email.map { "<p>You are signed in as <strong>\($0)</strong>.</p>" } ?? ""
        return """
            <h1>Sign out</h1>
            \(who)
            <form method="post" action="/auth/portal/logout">
            \(csrfField(csrf))
            <button type="submit">Sign out</button>
            </form>
            <p><a href="/auth/portal/account">Back to your account</a></p>
            """
    }

    static func account(
        user: User, sessions: [Session], currentSession: String, csrf: String, error: String?, notice: String?,
        sections: [HTML]
    ) -> HTML {
        let rows = sessions.map { session -> HTML in
            let current = session.id == currentSession
            let label = current ? "This browser" : "Session started \(RFC3339.string(session.createdAt))"
            let action: HTML = """
                <form method="post" action="/auth/portal/account/sessions/revoke">\(csrfField(csrf))\
                <input type="hidden" name="session" value=\(attribute: session.id)>\
                <button type="submit" class="danger" aria-label=\(attribute: "Revoke: \(label)")>Revoke</button></form>
                """
            return """
                <tr><td>\(session.userAgent ?? "Unknown device")\(current ? " (this browser)" : "")</td>\
                <td>\(session.ip ?? "")</td><td>\(RFC3339.string(session.lastUsedAt))</td><td>\(action)</td></tr>
                """
        }
        return """
            <h1>Your account</h1>
            \(PortalLayout.message(error, error: true))\(PortalLayout.message(notice, error: false))
            <p>Signed in as <strong>\(user.name)</strong> (\(user.email)).</p>
            <form method="post" action="/auth/portal/logout">\(csrfField(csrf))<button type="submit" class="secondary">Sign out</button></form>
            <h2 id="sessions">Sessions</h2>
            <table aria-labelledby="sessions">
            <thead><tr><th scope="col">Device</th><th scope="col">Address</th><th scope="col">Last used (UTC)</th><th scope="col">Action</th></tr></thead>
            <tbody>
            \(HTML(rows, separator: "\n"))
            </tbody>
            </table>
            <h2 id="password-heading">Change password</h2>
            <form method="post" action="/auth/portal/account/password" aria-labelledby="password-heading">
            \(csrfField(csrf))
            <label for="current_password">Current password</label>
            <input id="current_password" name="current_password" type="password" autocomplete="current-password" required>
            <label for="new_password">New password</label>
            <input id="new_password" name="new_password" type="password" autocomplete="new-password" minlength="8" maxlength="128" required aria-describedby="new-password-hint">
            <p class="hint" id="new-password-hint">8 to 128 characters; not your email, not a common password. Your other sessions end.</p>
            <button type="submit">Change password</button>
            </form>
            \(HTML(sections, separator: "\n"))
            """
    }

    package static func problem(title: String, detail: String, link: (href: String, text: String)?) -> HTML {
        let next: HTML = link.map { "<p><a href=\(url: $0.href)>\($0.text)</a></p>" } ?? ""
        return """
            <h1>\(title)</h1>
            <p class="error" role="alert">\(detail)</p>
            \(next)
            """
    }
}
