#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif
import FCGIHost

/// The passkey parts of the pages. Each is a form the portal's script drives (`data-passkey` names the ceremony:
/// `login`, `mfa`, `register`) inside a `data-passkey-ui` box that stays hidden unless the script runs in a browser
/// with WebAuthn, so a page without JavaScript shows no button that cannot work.
extension PortalPages {
    /// The status line the script writes into (announced to screen readers).
    /// One passkey as the account page lists it.
    package struct PasskeyRow {
        let id: String
        let name: String
        let createdAt: Date
        let lastUsedAt: Date?

        package init(id: String, name: String, createdAt: Date, lastUsedAt: Date?) {
            self.id = id
            self.name = name
            self.createdAt = createdAt
            self.lastUsedAt = lastUsedAt
        }
    }

    static let passkeyStatus: HTML = "<p class=\"hint\" data-passkey-status role=\"status\"></p>"

    /// The sign-in page's passwordless button.
    package static func passkeyLogin(csrf: String, rd: String?) -> HTML {
        let rdField: HTML = rd.map { "<input type=\"hidden\" name=\"rd\" value=\(attribute: $0)>" } ?? ""
        return """
            <div data-passkey-ui hidden>
            <p class="or">Or without a password:</p>
            <form method="post" action="/auth/portal/login/passkey" data-passkey="login">
            \(csrfField(csrf))\(rdField)<input type="hidden" name="challenge_token" value=""><input type="hidden" name="credential" value="">
            <button type="submit" class="secondary" id="passkey-login">Sign in with a passkey</button>
            \(passkeyStatus)
            </form>
            </div>
            """
    }

    /// The second step's passkey button; `hidden` carries the step's CSRF, `mfa_token` and `rd` fields.
    package static func passkeySecondStep(hidden: HTML, first: Bool) -> HTML {
        let style: HTML = first ? "" : " class=\"secondary\""
        return """
        <div data-passkey-ui hidden>
        <form method="post" action="/auth/portal/login/mfa" data-passkey="mfa">
        \(hidden)<input type="hidden" name="webauthn" value="">
        <button type="submit"\(style) id="passkey-mfa">Use your passkey</button>
        \(passkeyStatus)
        </form>
        </div>
        <noscript><p class="hint">Using a passkey needs JavaScript.</p></noscript>
        """
    }

    /// The account page's passkeys: the list with a remove button each, and (when this page can run the ceremony)
    /// the form that adds one.
    package static func passkeySection(passkeys: [PasskeyRow], csrf: String, offered: Bool) -> HTML {
        let rows = passkeys.map { passkey -> HTML in
            """
            <tr><td>\(passkey.name)</td><td>\(RFC3339.string(passkey.createdAt))</td>\
            <td>\(passkey.lastUsedAt.map(RFC3339.string) ?? "Never")</td>\
            <td><form method="post" action="/auth/portal/account/passkeys/delete">\(csrfField(csrf))\
            <input type="hidden" name="id" value=\(attribute: passkey.id)>\
            <button type="submit" class="danger" aria-label=\(attribute: "Remove passkey \(passkey.name)")>Remove</button></form></td></tr>
            """
        }
        let list: HTML =
            passkeys.isEmpty
            ? "<p>None yet. A passkey signs you in with your device's screen lock instead of a password, and is a second factor after one.</p>"
            : """
                <table aria-labelledby="passkeys-heading">
                <thead><tr><th scope="col">Name</th><th scope="col">Added (UTC)</th><th scope="col">Last used (UTC)</th><th scope="col">Action</th></tr></thead>
                <tbody>
                \(HTML(rows, separator: "\n"))
                </tbody>
                </table>
                """
        let add: HTML =
            offered
            ? """
                <div data-passkey-ui hidden>
                <form method="post" action="/auth/portal/account/passkeys/register" data-passkey="register" aria-label="Add a passkey">
                \(csrfField(csrf))<input type="hidden" name="credential" value="">
                <label for="passkey_name">Name of the new passkey</label>
                <input id="passkey_name" name="name" type="text" maxlength="100" value="Passkey" required aria-describedby="passkey-name-hint">
                <p class="hint" id="passkey-name-hint">So you can tell your passkeys apart, such as "Laptop" or "Phone".</p>
                <button type="submit" id="passkey-add">Add a passkey</button>
                \(passkeyStatus)
                </form>
                </div>
                <noscript><p class="hint">Adding a passkey needs JavaScript.</p></noscript>
                """
            : "<p class=\"hint\">Passkeys cannot be added at this address.</p>"
        return """
            <h2 id="passkeys-heading">Passkeys</h2>
            \(list)
            \(add)
            """
    }
}
