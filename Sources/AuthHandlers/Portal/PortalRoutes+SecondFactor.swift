#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto
import FCGIHost

/// The portal's second factor: the sign-in's second step and TOTP on the account page, through ``MFARoutes``' own
/// methods (the same OTP lockout, single-use codes and audit rows as `/auth/mfa/*`).
extension PortalRoutes {
    var mfa: MFARoutes { MFARoutes(auth: auth) }

    /// The second-step page for an `mfa_required` answer of the password step.
    func secondFactorPage(
        _ request: Request, mfaToken: String, methods: [String], rd: String?, error: HTTPError?
    ) -> Response {
        let (value, plant) = csrf.ensureCookie(request)
        let passkey = methods.contains("webauthn") && passkeysOffered(request)
        let body = PortalPages.secondFactor(
            csrf: csrf.token(for: value), mfaToken: mfaToken, rd: rd, methods: methods, passkey: passkey,
            error: error.map(Self.message))
        return layout.page(
            title: "Two-step sign-in", body: body, status: error?.status.rawValue ?? 200, script: passkey,
            cookies: [plant].compactMap { $0 })
    }

    /// `POST /auth/portal/login/mfa`: a TOTP code, a recovery code or a passkey's assertion (`webauthn`, put there
    /// by the script) for the `mfa_token` of the form.
    func secondFactor(_ form: QueryParameters, request: Request, context: RequestContext) throws -> Response {
        let target = redirectTarget(form["rd"])
        let mfaToken = form["mfa_token"] ?? ""
        do {
            try auth.rateLimiter.check("mfa", key: auth.rateLimiter.clientKey(request), now: context.receivedAt)
            let proof = try SecondFactors.proof(
                code: form["code"], recoveryCode: form["recovery_code"],
                webauthn: try form["webauthn"].map(Self.passkeyResponse))
            let tokens = try mfa.verify(mfaToken: mfaToken, proof: proof, request: request, context: context).tokens
            return PortalLayout.redirect(to: target ?? Self.accountPath, cookies: browser.portalCookies(tokens))
        } catch let error as HTTPError where ["token_invalid", "token_expired"].contains(error.code) {
            let restart = HTTPError(.unauthorized, code: error.code, detail: "This sign-in has expired. Sign in again.")
            return loginForm(request, rd: target, email: "", error: restart, notice: nil)
        } catch var error as HTTPError {
            if form["webauthn"] != nil {
                error = Self.passkeyError(error)
            } else if error.code == "invalid_credentials" {
                error = HTTPError(.unauthorized, code: "invalid_code", detail: "That code is wrong, or was used already.")
            }
            let methods = (try? mfa.methods(mfaToken: mfaToken, now: context.receivedAt)) ?? []
            return secondFactorPage(request, mfaToken: mfaToken, methods: methods, rd: target, error: error)
        }
    }
}

extension PortalRoutes {
    /// The account page's TOTP section for this user.
    func totpSection(userId: String, csrf token: String) throws -> HTML {
        let status = try mfa.totpStatus(userId: userId)
        return PortalPages.totpSection(on: status.on, recoveryCodesLeft: status.recoveryCodesLeft, csrf: token)
    }

    /// `POST /auth/portal/account/totp/enroll`: a new secret (as `POST /auth/mfa/totp/enroll`) and its QR code.
    func enrollTOTP(
        _ form: QueryParameters, principal: Principal, request: Request, context: RequestContext
    ) throws -> Response {
        do {
            let enrolment = try mfa.enroll(principal: principal, request: request, context: context)
            return try enrolmentPage(request, secret: enrolment.secret, uri: enrolment.otpauthURI, error: nil)
        } catch let error as HTTPError {
            return try accountPage(request, principal: principal, context: context, error: error)
        }
    }

    func enrolmentPage(_ request: Request, secret: String, uri: String, error: HTTPError?) throws -> Response {
        let (value, plant) = csrf.ensureCookie(request)
        let qr = try QRCodeImage.svg(for: uri, label: "QR code of the key for your authenticator app")
        return layout.page(
            title: "Set up an authenticator app",
            body: PortalPages.totpEnrolment(qr: qr, secret: secret, csrf: csrf.token(for: value), error: error.map(Self.message)),
            status: error?.status.rawValue ?? 200, cookies: [plant].compactMap { $0 })
    }

    /// `POST /auth/portal/account/totp/confirm`: the code turns TOTP on (as `POST /auth/mfa/totp/confirm`); the
    /// recovery codes are shown once.
    func confirmTOTP(
        _ form: QueryParameters, principal: Principal, request: Request, context: RequestContext
    ) throws -> Response {
        do {
            let codes = try mfa.confirm(principal: principal, code: form["code"] ?? "", request: request, context: context)
            return layout.page(title: "Your recovery codes", body: PortalPages.recoveryCodes(codes))
        } catch let error as HTTPError where error.status == .unprocessable {
            guard let pending = try mfa.pendingEnrolment(userId: principal.userID) else {
                return try accountPage(request, principal: principal, context: context, error: error)
            }
            return try enrolmentPage(request, secret: pending.secret, uri: pending.otpauthURI, error: error)
        } catch let error as HTTPError {
            return try accountPage(request, principal: principal, context: context, error: error)
        }
    }

    /// `POST /auth/portal/account/totp/disable` with the password (as `DELETE /auth/mfa/totp`).
    func disableTOTP(
        _ form: QueryParameters, principal: Principal, request: Request, context: RequestContext
    ) throws -> Response {
        do {
            try mfa.disable(principal: principal, proof: .init(code: nil, password: form["password"] ?? ""), request: request, context: context)
        } catch let error as HTTPError {
            return try accountPage(request, principal: principal, context: context, error: error)
        }
        return PortalLayout.redirect(to: Self.accountPath + "?done=totp_off")
    }

    /// `POST /auth/portal/account/recovery-codes` with the password (as `POST /auth/mfa/recovery-codes`).
    func regenerateRecoveryCodes(
        _ form: QueryParameters, principal: Principal, request: Request, context: RequestContext
    ) throws -> Response {
        do {
            let codes = try mfa.regenerate(
                principal: principal, proof: .init(code: nil, password: form["password"] ?? ""), request: request,
                context: context)
            return layout.page(title: "Your recovery codes", body: PortalPages.recoveryCodes(codes))
        } catch let error as HTTPError {
            return try accountPage(request, principal: principal, context: context, error: error)
        }
    }
}
