import Crypto
import FCGIHost

/// The portal's one stylesheet and one script (for the WebAuthn calls only), served under content-hashed names
/// (`/auth/portal/assets/portal.<hash>.css`) with a year of `immutable` caching: a new release has new names.
package struct PortalAssets: Sendable {
    package static let pathPrefix = "/auth/portal/assets/"

    package struct Asset: Sendable {
        package let name: String
        package let contentType: String
        package let body: [UInt8]
        package let etag: String
        package var path: String { PortalAssets.pathPrefix + name }

        init(stem: String, suffix: String, contentType: String, text: String) {
            body = Array(text.utf8)
            let hash = SHA256.hash(body).prefix(8).map { byte in
                let hex = Array("0123456789abcdef".utf8)
                return String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }.joined()
            name = "\(stem).\(hash).\(suffix)"
            self.contentType = contentType
            etag = "\"\(hash)\""
        }
    }

    package let stylesheet = Asset(stem: "portal", suffix: "css", contentType: "text/css; charset=utf-8", text: PortalAssets.css)
    package let script = Asset(stem: "portal", suffix: "js", contentType: "text/javascript; charset=utf-8", text: PortalAssets.js)

    package init() {}

    /// `GET /auth/portal/assets/{name}`: the asset, 304 for a matching `If-None-Match`, 404 for any other name.
    func serve(_ request: Request, context: RequestContext) throws -> Response {
        let name = try request.parameters.require("name")
        guard let asset = [stylesheet, script].first(where: { $0.name == name }) else { throw HTTPError.notFound() }
        var headers = Headers([
            ("Cache-Control", "public, max-age=31536000, immutable"), ("ETag", asset.etag),
            ("X-Content-Type-Options", "nosniff"),
        ])
        if request.headers["If-None-Match"] == asset.etag { return Response(status: 304, headers: headers) }
        headers.add("Content-Type", asset.contentType)
        return Response(status: 200, headers: headers, body: asset.body)
    }

    static let css = """
        :root{color-scheme:light;--fg:#1b1b1b;--muted:#4a4a4a;--bg:#f6f7f9;--card:#fff;--accent:#1d4ed8;--accent-fg:#fff;\
        --danger:#b3261e;--ok:#1e6b2f;--border:#8a8f98}
        *{box-sizing:border-box}
        html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;font-size:100%;line-height:1.5;\
        color:var(--fg);background:var(--bg)}
        body{margin:0;padding:1rem}
        main{max-width:40rem;margin:2rem auto;background:var(--card);padding:1.5rem;border-radius:.5rem;\
        border:1px solid #d5d8dd}
        h1{font-size:1.5rem;margin:0 0 1rem}
        h2{font-size:1.2rem;margin:2rem 0 .75rem;padding-top:1rem;border-top:1px solid #d5d8dd}
        label{display:block;font-weight:600;margin:.75rem 0 .25rem}
        input[type=email],input[type=password],input[type=text]{width:100%;padding:.6rem .7rem;font:inherit;\
        color:var(--fg);background:#fff;border:1px solid var(--border);border-radius:.35rem}
        button{font:inherit;font-weight:600;padding:.6rem 1.1rem;border-radius:.35rem;border:1px solid var(--accent);\
        background:var(--accent);color:var(--accent-fg);cursor:pointer;margin-top:1rem;min-height:2.75rem}
        button.secondary{background:#fff;color:var(--accent)}
        button.danger{background:#fff;color:var(--danger);border-color:var(--danger);margin-top:0;padding:.35rem .8rem;\
        min-height:2.25rem}
        :focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
        a{color:var(--accent)}
        .hint{color:var(--muted);font-size:.95rem;margin:.25rem 0 0}
        .error{color:var(--danger);font-weight:600;border-left:4px solid var(--danger);padding:.5rem .75rem;\
        background:#fdecea}
        .notice{color:var(--ok);font-weight:600;border-left:4px solid var(--ok);padding:.5rem .75rem;background:#e8f5ec}
        .or{margin:1.5rem 0 0;color:var(--muted)}
        table{width:100%;border-collapse:collapse;font-size:.95rem}
        th,td{text-align:left;padding:.5rem .4rem;border-bottom:1px solid #d5d8dd;vertical-align:top}
        th,td button{white-space:nowrap}
        td:first-child{overflow-wrap:anywhere}
        .qr svg{display:block;max-width:100%;height:auto;margin:1rem 0}
        code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;word-break:break-all}
        ul.codes{columns:2;font-family:ui-monospace,"DejaVu Sans Mono",monospace}
        [hidden]{display:none!important}
        @media (max-width:30rem){body{padding:0}main{margin:0;border-radius:0;border:0}
        thead{display:none}tr{display:block;border-bottom:1px solid #d5d8dd;padding:.5rem 0}td{display:block;border:0;padding:.15rem .4rem}}

        """

    static let js = """
        "use strict";
        // Passkey buttons: the WebAuthn calls a form cannot make. Everything else on these pages is plain HTML forms.
        // A form marked data-passkey="login" | "mfa" | "register" gets its options, asks the authenticator, puts the
        // answer (WebAuthn Level 3 JSON) into its hidden field and is submitted like any other form.
        (() => {
          if (!window.PublicKeyCredential || !navigator.credentials) return;
          const bytes = (text) => {
            const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
            const binary = atob(b64 + "===".slice((b64.length + 3) % 4));
            return Uint8Array.from(binary, (c) => c.charCodeAt(0)).buffer;
          };
          const text = (buffer) => {
            let binary = "";
            for (const b of new Uint8Array(buffer)) binary += String.fromCharCode(b);
            return btoa(binary).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
          };
          const descriptors = (list) => (list || []).map((d) => ({ ...d, id: bytes(d.id) }));
          const creation = (o) => ({ ...o, challenge: bytes(o.challenge), user: { ...o.user, id: bytes(o.user.id) },
            excludeCredentials: descriptors(o.excludeCredentials) });
          const request = (o) => ({ ...o, challenge: bytes(o.challenge), allowCredentials: descriptors(o.allowCredentials) });
          const json = (credential) => {
            const r = credential.response;
            const response = { clientDataJSON: text(r.clientDataJSON) };
            if (r.attestationObject) response.attestationObject = text(r.attestationObject);
            if (r.authenticatorData) response.authenticatorData = text(r.authenticatorData);
            if (r.signature) response.signature = text(r.signature);
            if (r.userHandle) response.userHandle = text(r.userHandle);
            return JSON.stringify({ id: credential.id, rawId: text(credential.rawId), type: credential.type, response });
          };
          const post = async (url, body, type) => {
            const answer = await fetch(url, { method: "POST", body, headers: { "Content-Type": type },
              credentials: "same-origin", cache: "no-store" });
            if (!answer.ok) {
              let detail = "";
              try { detail = (await answer.json()).detail || ""; } catch (_) { /* an HTML page */ }
              throw new Error(detail || "The server did not answer (" + answer.status + "). Reload the page and try again.");
            }
            return answer.json();
          };
          const ceremonies = {
            async login(form) {
              const answer = await post("/auth/webauthn/login/options", "{}", "application/json");
              const credential = await navigator.credentials.get({ publicKey: request(answer.options) });
              form.elements.challenge_token.value = answer.challenge_token;
              form.elements.credential.value = json(credential);
            },
            async mfa(form) {
              const options = await post("/auth/mfa/webauthn/options",
                JSON.stringify({ mfa_token: form.elements.mfa_token.value }), "application/json");
              form.elements.webauthn.value = json(await navigator.credentials.get({ publicKey: request(options) }));
            },
            async register(form) {
              const options = await post("/auth/portal/account/passkeys/options",
                new URLSearchParams({ csrf: form.elements.csrf.value }).toString(), "application/x-www-form-urlencoded");
              form.elements.credential.value = json(await navigator.credentials.create({ publicKey: creation(options) }));
            },
          };
          const explain = (error) => {
            switch (error && error.name) {
              case "NotAllowedError": return "No passkey was used: none was found for this site, or the request was cancelled or timed out.";
              case "InvalidStateError": return "This device holds a passkey of yours already.";
              case "SecurityError": return "Passkeys cannot be used at this address of the site.";
              default: return (error && error.message) || "The passkey did not work. Try again.";
            }
          };
          for (const form of document.querySelectorAll("form[data-passkey]")) {
            const status = form.querySelector("[data-passkey-status]");
            let busy = false;
            form.addEventListener("submit", async (event) => {
              event.preventDefault();
              if (busy) return;
              busy = true;
              status.classList.remove("error");
              status.textContent = "Waiting for your passkey…";
              try {
                await ceremonies[form.dataset.passkey](form);
                status.textContent = "Checking…";
                form.submit();
              } catch (error) {
                busy = false;
                status.classList.add("error");
                status.textContent = explain(error);
              }
            });
            form.closest("[data-passkey-ui]").hidden = false;
          }
        })();

        """
}
