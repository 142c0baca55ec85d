/// The pages of the second factor: the sign-in's second step and the account page's TOTP parts.
extension PortalPages {
    /// The second step of a sign-in, for the methods the user has (`totp`, `recovery_code`, and `webauthn` when
    /// `passkey`: this page can run the ceremony).
    package static func secondFactor(
        csrf: String, mfaToken: String, rd: String?, methods: [String], passkey: Bool = false, error: String?
    ) -> HTML {
        let hidden: HTML = """
            \(csrfField(csrf))<input type="hidden" name="mfa_token" value=\(attribute: mfaToken)>\
            \(rd.map { "<input type=\"hidden\" name=\"rd\" value=\(attribute: $0)>" } ?? "")
            """
        let described: HTML = error == nil ? "" : " aria-describedby=\"form-error\" aria-invalid=\"true\""
        let passkeyStep: HTML =
            if passkey {
                passkeySecondStep(hidden: hidden, first: !methods.contains("totp"))
            } else if methods == ["webauthn"] {
                "<p class=\"error\" role=\"alert\">Your passkey cannot be used at this address of the site.</p>"
            } else {
                ""
            }
        let totp: HTML =
            methods.contains("totp")
            ? """
                <form method="post" action="/auth/portal/login/mfa">
                \(hidden)
                <label for="code">Code from your authenticator app</label>
                <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus\(described)>
                <button type="submit">Continue</button>
                </form>
                """ : ""
        let recovery: HTML =
            methods.contains("recovery_code")
            ? """
                <h2 id="recovery-heading">No access to your app?</h2>
                <form method="post" action="/auth/portal/login/mfa" aria-labelledby="recovery-heading">
                \(hidden)
                <label for="recovery_code">Recovery code</label>
                <input id="recovery_code" name="recovery_code" type="text" autocomplete="off" autocapitalize="none" spellcheck="false" required aria-describedby="recovery-hint">
                <p class="hint" id="recovery-hint">One of the codes you saved when you turned on two-step sign-in (xxxxx-xxxxx). Each works once.</p>
                <button type="submit" class="secondary">Use recovery code</button>
                </form>
                """ : ""
        return """
            <h1>Two-step sign-in</h1>
            \(PortalLayout.message(error, error: true))
            <p>Your password was right. Now prove it is you with your second factor.</p>
            \(passkeyStep)
            \(totp)
            \(recovery)
            <p><a href="/auth/portal/login">Start again</a></p>
            """
    }

    /// The TOTP part of the account page.
    package static func totpSection(on: Bool, recoveryCodesLeft: Int, csrf: String) -> HTML {
        guard on else {
            return """
                <h2 id="totp-heading">Two-step sign-in</h2>
                <p>Off. With it on, signing in also asks for a code from an authenticator app on your phone.</p>
                <form method="post" action="/auth/portal/account/totp/enroll">\(csrfField(csrf))<button type="submit">Set up an authenticator app</button></form>
                """
        }
        return """
            <h2 id="totp-heading">Two-step sign-in</h2>
            <p>On: signing in asks for a code from your authenticator app. Recovery codes left: <strong>\(recoveryCodesLeft)</strong>.</p>
            <form method="post" action="/auth/portal/account/recovery-codes" aria-label="New recovery codes">
            \(csrfField(csrf))
            <label for="codes_password">Password</label>
            <input id="codes_password" name="password" type="password" autocomplete="current-password" required>
            <button type="submit" class="secondary">New recovery codes</button>
            </form>
            <form method="post" action="/auth/portal/account/totp/disable" aria-label="Turn off two-step sign-in">
            \(csrfField(csrf))
            <label for="disable_password">Password</label>
            <input id="disable_password" name="password" type="password" autocomplete="current-password" required>
            <button type="submit" class="secondary">Turn off two-step sign-in</button>
            </form>
            """
    }

    /// Enrolment: the QR code of the otpauth URI, the secret to type, and the confirming code.
    package static func totpEnrolment(qr: HTML, secret: String, csrf: String, error: String?) -> HTML {
        let described: HTML = error == nil ? " aria-describedby=\"code-hint\"" : " aria-describedby=\"form-error code-hint\" aria-invalid=\"true\""
        return """
            <h1>Set up an authenticator app</h1>
            \(PortalLayout.message(error, error: true))
            <p>Scan this code with your authenticator app (or type the key below), then enter the code the app shows.</p>
            <div class="qr">\(qr)</div>
            <p>Key: <code id="totp-secret">\(secret)</code></p>
            <form method="post" action="/auth/portal/account/totp/confirm">
            \(csrfField(csrf))
            <label for="code">Code from the app</label>
            <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus\(described)>
            <p class="hint" id="code-hint">Six digits; a new one every 30 seconds.</p>
            <button type="submit">Turn on two-step sign-in</button>
            </form>
            <p><a href="/auth/portal/account">Cancel</a></p>
            """
    }

    /// Recovery codes, shown once.
    package static func recoveryCodes(_ codes: [String]) -> HTML {
        let items = HTML(codes.map { "<li>\($0)</li>" }, separator: "")
        return """
            <h1>Your recovery codes</h1>
            <p class="notice" role="status">Two-step sign-in is on.</p>
            <p>Keep these codes somewhere safe: each signs you in once if you lose your phone. They are shown only now.</p>
            <ul class="codes" id="recovery-codes">\(items)</ul>
            <p><a href="/auth/portal/account">Back to your account</a></p>
            """
    }
}
