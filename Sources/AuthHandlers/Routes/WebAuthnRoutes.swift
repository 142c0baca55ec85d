#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto
public import FCGIHost
import Store
import Webhooks

/// A user's own passkeys: `POST /auth/webauthn/register/options`, `POST /auth/webauthn/register`,
/// `GET /auth/webauthn/credentials`, `DELETE /auth/webauthn/credentials/{id}` (API.md "MFA").
public struct WebAuthnRoutes {
    let auth: AuthService

    public init(auth: AuthService) {
        self.auth = auth
    }

    public func addRoutes(to router: Router) {
        router.post("/auth/webauthn/register/options", use: registerOptions)
        router.post("/auth/webauthn/register", use: register)
        router.get("/auth/webauthn/credentials", use: list)
        router.delete("/auth/webauthn/credentials/{id}", use: delete)
    }

    func registerOptions(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.authenticate(request, now: context.receivedAt)
        guard let user = try auth.users.find(id: principal.userID) else { throw AuthError.tokenRevoked }
        return try .json(auth.passkeys.creationOptions(for: user, now: context.receivedAt))
    }

    struct RegisterBody: Decodable {
        let credential: PasskeyResponse
        let name: String?
    }

    struct CredentialBody: Encodable {
        let id: String
        let name: String
        let createdAt: String
        let lastUsedAt: String?
        enum CodingKeys: String, CodingKey {
            case id, name
            case createdAt = "created_at", lastUsedAt = "last_used_at"
        }

        init(_ credential: PasskeyCredential) {
            id = credential.id
            name = credential.name
            createdAt = RFC3339.string(credential.createdAt)
            lastUsedAt = credential.lastUsedAt.map(RFC3339.string)
        }

        /// `last_used_at` is always there, null until the first sign-in.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(name, forKey: .name)
            try container.encode(createdAt, forKey: .createdAt)
            try container.encode(lastUsedAt, forKey: .lastUsedAt)
        }
    }

    /// Checks the attestation against a registration challenge issued to this user, then stores the passkey.
    /// Every refusal of the response itself is a 422 on `credential` naming what is wrong.
    func register(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.authenticate(request, now: context.receivedAt)
        let body = try request.decode(RegisterBody.self)
        let stored = try register(
            body.credential, name: body.name, principal: principal, request: request, context: context)
        return try .json(CredentialBody(stored), status: 201)
    }

    /// The registration itself, shared with the portal's account page.
    func register(
        _ credential: PasskeyResponse, name: String?, principal: Principal, request: Request, context: RequestContext
    ) throws -> PasskeyCredential {
        let now = context.receivedAt
        let name = (name ?? "Passkey").trimmingWhitespace()
        guard !name.isEmpty, name.count <= 100 else {
            throw HTTPError.validation(field: "name", "must be 1 to 100 characters")
        }
        let response = try credential.decoded(field: "credential")
        guard let attestationObject = response.attestationObject else {
            throw HTTPError.validation(field: "credential.response.attestationObject", "is required")
        }
        guard let (challenge, issued) = try auth.passkeys.consumeChallenge(of: response, purpose: .register, now: now),
            issued.userId == principal.userID
        else {
            throw HTTPError.validation(
                field: "credential", "its challenge was not issued to you, was used already or has expired")
        }
        let registration: WebAuthn.Registration
        do {
            registration = try WebAuthn.verifyRegistration(
                clientDataJSON: response.clientDataJSON, attestationObject: attestationObject, challenge: challenge,
                relyingParty: auth.passkeys.party)
        } catch {
            context.logger.notice("Passkey registration refused", metadata: ["webauthn.error": "\(error)"])
            throw HTTPError.validation(field: "credential", error.detail)
        }
        guard registration.credentialID == response.credentialID else {
            throw HTTPError.validation(field: "credential.rawId", "is not the credential id in the attestation")
        }
        let stored: PasskeyCredential?
        do {
            // The passkey and its `mfa.enabled` event commit together.
            stored = try auth.database.perform(.changeSecondFactor) {
                let stored = try auth.passkeys.credentials.insert(
                    userId: principal.userID, credentialID: registration.credentialID,
                    publicKey: registration.publicKey, algorithm: registration.algorithm,
                    signCount: Int64(registration.signCount), name: name, aaguid: registration.aaguid,
                    backupEligible: registration.backupEligible, limit: Passkeys.perUserLimit, now: now)
                if let stored {
                    try auth.events.record(
                        .mfaEnabled, actor: principal.userID, subject: .user(principal.userID),
                        data: ["method": .string("webauthn"), "credential_id": .string(stored.id)], at: now)
                }
                return stored
            }
        } catch let error as StoreError where error == .duplicate {
            throw HTTPError(.conflict, code: "conflict", detail: "This passkey is registered already.")
        }
        guard let stored else {
            throw HTTPError(
                .conflict, code: "conflict", detail: "An account can hold at most \(Passkeys.perUserLimit) passkeys.")
        }
        auth.auditTrail.record(
            "webauthn.registered", actor: principal.userID, user: principal.userID, request: request, context: context,
            details: ["credential_id": stored.id, "algorithm": "\(registration.algorithm)",
                      "attestation": registration.attestationFormat])
        return stored
    }

    struct ListBody: Encodable {
        let items: [CredentialBody]
        let nextCursor: String? = nil
        enum CodingKeys: String, CodingKey {
            case items
            case nextCursor = "next_cursor"
        }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(items, forKey: .items)
            try container.encodeNil(forKey: .nextCursor)
        }
    }

    func list(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.authenticate(request, now: context.receivedAt)
        return try .json(ListBody(items: try auth.passkeys.credentials.list(userId: principal.userID).map(CredentialBody.init)))
    }

    /// Deletes one of the caller's passkeys; another user's id is a 404, like one that does not exist.
    func delete(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.authenticate(request, now: context.receivedAt)
        try delete(id: try request.parameters.require("id"), of: principal, request: request, context: context)
        return .noContent
    }

    /// The deletion itself, shared with the portal's account page: 404 for an id that is not one of the caller's.
    func delete(id: String, of principal: Principal, request: Request, context: RequestContext) throws {
        let deleted = try auth.database.perform(.changeSecondFactor) {
            guard try auth.passkeys.credentials.delete(id: id, userId: principal.userID) else { return false }
            try auth.events.record(
                .mfaDisabled, actor: principal.userID, subject: .user(principal.userID),
                data: ["method": .string("webauthn"), "credential_id": .string(id)], at: context.receivedAt)
            return true
        }
        guard deleted else { throw HTTPError.notFound("No passkey of yours has this id.") }
        auth.auditTrail.record(
            "webauthn.deleted", actor: principal.userID, user: principal.userID, request: request, context: context,
            details: ["credential_id": id])
    }
}
