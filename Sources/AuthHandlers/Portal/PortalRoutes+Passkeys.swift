#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto
import FCGIHost
import Store

/// The portal's passkeys: the passwordless button of the sign-in page, a passkey as the second step, and the
/// account page's list, add and remove — through the JSON routes' own methods (``PasskeyLoginRoutes``,
/// ``WebAuthnRoutes``, ``MFARoutes``), so the same limits, lockout, events and audit rows apply.
///
/// The browser's WebAuthn calls are the only part a form cannot make: the portal's script fetches the options
/// (`/auth/webauthn/login/options`, `/auth/mfa/webauthn/options`, or `/auth/portal/account/passkeys/options` for a
/// registration), asks the authenticator, puts its answer (the Level 3 JSON) into a hidden field and submits the
/// form; everything after that is an ordinary form post, CSRF and `Origin` checked.
extension PortalRoutes {
    /// Whether this page can run a WebAuthn ceremony at all: its own origin (`https://` + `Host`) must be one of
    /// `WEBAUTHN_ORIGINS`, and the relying party id a host name (browsers refuse an IP address as rp id, so the
    /// buttons would only fail: the dev stack at `https://127.0.0.1:PORT` shows none).
    func passkeysOffered(_ request: Request) -> Bool {
        guard let host = request.headers["Host"]?.lowercased(), !host.isEmpty else { return false }
        let party = auth.passkeys.party
        let rpID = party.id.hasPrefix("[") ? String(party.id.dropFirst().dropLast()) : party.id
        return IPAddress(rpID) == nil && party.origins.contains { $0.lowercased() == "https://" + host }
    }

    /// `POST /auth/portal/login/passkey`: a passwordless sign-in, the assertion in `credential` for the challenge
    /// of `challenge_token`.
    func passkeyLogin(_ form: QueryParameters, request: Request, context: RequestContext) throws -> Response {
        let target = redirectTarget(form["rd"])
        do {
            let credential = try Self.passkeyResponse(form["credential"])
            let tokens = try PasskeyLoginRoutes(auth: auth).signIn(
                challengeToken: form["challenge_token"] ?? "", credential: credential, request: request,
                context: context)
            return PortalLayout.redirect(to: target ?? Self.accountPath, cookies: browser.portalCookies(tokens))
        } catch let error as HTTPError {
            return loginForm(request, rd: target, email: "", error: Self.passkeyError(error), notice: nil)
        }
    }

    /// `POST /auth/portal/account/passkeys/options` (the script's fetch, CSRF-checked like a form): the creation
    /// options for a new passkey of the signed-in user, as `POST /auth/webauthn/register/options` gives them.
    func passkeyCreationOptions(_ form: QueryParameters, request: Request, context: RequestContext) throws -> Response {
        guard let principal = principal(request, context: context),
            let user = try auth.users.find(id: principal.userID)
        else { throw AuthError.tokenMissing }
        return try .json(auth.passkeys.creationOptions(for: user, now: context.receivedAt))
    }

    /// `POST /auth/portal/account/passkeys/register`: the new passkey's attestation in `credential`, its `name`.
    func registerPasskey(
        _ form: QueryParameters, principal: Principal, request: Request, context: RequestContext
    ) throws -> Response {
        do {
            let credential = try Self.passkeyResponse(form["credential"])
            let name = form["name"].map { $0.isEmpty ? "Passkey" : $0 }
            _ = try WebAuthnRoutes(auth: auth).register(
                credential, name: name, principal: principal, request: request, context: context)
        } catch let error as HTTPError {
            return try accountPage(request, principal: principal, context: context, error: Self.passkeyError(error))
        }
        return PortalLayout.redirect(to: Self.accountPath + "?done=passkey_added")
    }

    /// `POST /auth/portal/account/passkeys/delete` with the passkey's `id` (as `DELETE /auth/webauthn/credentials/{id}`).
    func deletePasskey(
        _ form: QueryParameters, principal: Principal, request: Request, context: RequestContext
    ) throws -> Response {
        do {
            try WebAuthnRoutes(auth: auth).delete(id: form["id"] ?? "", of: principal, request: request, context: context)
        } catch let error as HTTPError {
            return try accountPage(request, principal: principal, context: context, error: error)
        }
        return PortalLayout.redirect(to: Self.accountPath + "?done=passkey_removed")
    }

    /// The account page's passkey section for this user.
    func passkeySection(userId: String, csrf token: String, offered: Bool) throws -> HTML {
        let passkeys = try auth.passkeys.credentials.list(userId: userId).map {
            PortalPages.PasskeyRow(id: $0.id, name: $0.name, createdAt: $0.createdAt, lastUsedAt: $0.lastUsedAt)
        }
        return PortalPages.passkeySection(passkeys: passkeys, csrf: token, offered: offered)
    }

    /// The WebAuthn response a form field carries as JSON (the script's serialisation), else 422 on `credential`.
    static func passkeyResponse(_ field: String?) throws -> PasskeyResponse {
        guard let field, !field.isEmpty, field.utf8.count <= 128 * 1024,
            let response = try? JSONDecoder().decode(PasskeyResponse.self, from: Data(field.utf8))
        else { throw HTTPError.validation(field: "credential", "is not a WebAuthn response") }
        return response
    }

    /// The sentence for a refused passkey: the JSON routes' errors speak of fields a person never saw (a lockout
    /// or a rate limit keeps its own sentence).
    static func passkeyError(_ error: HTTPError) -> HTTPError {
        let detail: String
        switch error.code {
        case "invalid_credentials": detail = "That passkey was not accepted. Try again, or use your password."
        case "token_invalid", "token_expired": detail = "The passkey request expired. Try again."
        case "validation_failed" where error.errors.contains { $0.field == "name" }:
            detail = "The passkey's name must be 1 to 100 characters."
        case "validation_failed":
            detail = "The passkey's answer was not accepted: \(error.errors.first?.message ?? "it is malformed"). Try again."
        default: return error
        }
        return HTTPError(error.status, code: "passkey_refused", detail: detail)
    }
}
