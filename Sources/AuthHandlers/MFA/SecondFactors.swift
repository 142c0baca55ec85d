#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import Crypto
public import FCGIHost
public import Store

/// Every second factor in one place: which ones a user has (the `methods` of `mfa_required`), checking a proof
/// (`/auth/mfa/verify`, and the code that turns TOTP off), the OTP lockout, and removing them all (an
/// administrator's reset).
///
/// A further factor is added here: a case in ``Proof`` and its parsing in ``proof(code:recoveryCode:)``, a line in
/// ``methods(userId:)``, a branch in ``check(_:userId:now:)``, and its rows in ``removeAll(userId:now:)``.
public final class SecondFactors {
    let config: Config
    let totp: TOTPSecrets
    let challenges: MFAChallenges
    let lockouts: Lockouts
    /// Passkeys, a second factor as soon as a user has one.
    let passkeys: Passkeys
    /// The key of `MFA_KEY_FILE`; nil when the file is missing or short (then the MFA routes answer 503).
    let sealingKey: SealingKey?

    init(config: Config, database: Database, sealingKey: SealingKey?, passkeys: Passkeys) {
        self.config = config
        self.passkeys = passkeys
        totp = TOTPSecrets(db: database)
        challenges = MFAChallenges(db: database)
        lockouts = Lockouts(db: database)
        self.sealingKey = sealingKey
    }

    /// Whether the MFA key is loaded.
    public var isAvailable: Bool { sealingKey != nil }

    /// The key, or 503 `unavailable` when `MFA_KEY_FILE` is missing (logged at start).
    func requireKey() throws -> SealingKey {
        guard let sealingKey else {
            throw HTTPError(
                .serviceUnavailable, code: "unavailable",
                detail: "Second factors are not available: the server has no MFA key.",
                headers: Headers([("Retry-After", "60")]))
        }
        return sealingKey
    }

    // MARK: - Which factors a user has

    /// The second-factor methods the user can answer `mfa_required` with, in API.md's order (`totp`,
    /// `recovery_code`, `webauthn`); empty when no second factor is on, and a password alone logs in.
    public func methods(userId: String) throws -> [String] {
        var methods: [String] = []
        if try totp.find(userId: userId)?.confirmedAt != nil {
            methods.append("totp")
            if try totp.remainingRecoveryCodes(userId: userId) > 0 { methods.append("recovery_code") }
        }
        if try !passkeys.credentials.list(userId: userId).isEmpty { methods.append("webauthn") }
        return methods
    }

    // MARK: - Proofs

    /// What a client sends to pass the second step.
    enum Proof {
        /// A TOTP code (`code`).
        case totp(String)
        /// A recovery code (`recovery_code`).
        case recoveryCode(String)
        /// A passkey's assertion (`webauthn`, AuthenticationResponseJSON).
        case webauthn(PasskeyResponse)

        /// The body field it came in, for errors.
        var field: String {
            switch self {
            case .totp: "code"
            case .recoveryCode: "recovery_code"
            case .webauthn: "webauthn"
            }
        }

        /// The method name in audit rows (the same words as `methods`).
        var method: String {
            switch self {
            case .totp: "totp"
            case .recoveryCode: "recovery_code"
            case .webauthn: "webauthn"
            }
        }
    }

    /// Exactly one proof of the fields given, else 422 `validation_failed`.
    static func proof(code: String?, recoveryCode: String?, webauthn: PasskeyResponse? = nil) throws -> Proof {
        switch (code, recoveryCode, webauthn) {
        case (let code?, nil, nil): return .totp(code)
        case (nil, let recoveryCode?, nil): return .recoveryCode(recoveryCode)
        case (nil, nil, let response?): return .webauthn(response)
        case (nil, nil, nil):
            throw HTTPError.validation([
                .init(field: "code", message: "give code, recovery_code or webauthn"),
                .init(field: "recovery_code", message: "give code, recovery_code or webauthn"),
                .init(field: "webauthn", message: "give code, recovery_code or webauthn"),
            ])
        default:
            throw HTTPError.validation(field: "recovery_code", "give one of code, recovery_code and webauthn, not several")
        }
    }

    /// A proof that checked out, not yet used up: ``consume`` records it (the TOTP step, the recovery code) inside
    /// the caller's unit of work and returns false when another request used it first (a replay).
    struct Accepted {
        /// The RFC 8176 methods it adds to `pwd` in the token's `amr`.
        let amr: [String]
        let consume: () throws -> Bool
    }

    /// Checks `proof` for the user at `now`; nil when it is wrong. Reads only: nothing is used up until
    /// ``Accepted/consume`` runs, except a passkey's WebAuthn challenge, which is single use whatever follows
    /// (the `mfa_token` stays usable: the client asks for new options). `refused` hears why a passkey was refused
    /// (`counter_regressed` is audited on its own).
    func check(
        _ proof: Proof, userId: String, now: Date, refused: (PasskeyFailure) -> Void = { _ in }
    ) throws -> Accepted? {
        switch proof {
        case .webauthn(let json):
            do {
                return try checkPasskey(json, userId: userId, now: now)
            } catch let failure as PasskeyFailure {
                refused(failure)
                return nil
            }
        case .totp(let code):
            guard let enrolment = try totp.find(userId: userId), enrolment.confirmedAt != nil else { return nil }
            let generator = try requireKey().openTOTP(enrolment.sealedSecret, binding: userId)
            // ±1 step (RFC 6238 §5.2's recommended network delay); a step at or before the last accepted one is a
            // replay, refused here and again atomically by the consuming update.
            guard let step = generator.verify(code, at: now, window: 1), Int64(step) > enrolment.lastStep ?? -1 else {
                return nil
            }
            return Accepted(amr: ["otp"]) { [totp] in try totp.recordStep(userId: userId, step: Int64(step)) }
        case .recoveryCode(let typed):
            guard let code = RecoveryCode.normalize(typed) else { return nil }
            let hash = try requireKey().recoveryCodeHash(code, owner: userId)
            // RFC 8176 has no method for a printed code; it is a one-time password in the plain sense.
            return Accepted(amr: ["otp"]) { [totp] in
                try totp.consumeRecoveryCode(userId: userId, hash: hash, now: now)
            }
        }
    }

    /// A passkey assertion for the second step: the challenge was issued for this user's second step, the
    /// credential is the user's, the signature checks out (user presence; verification not required after a
    /// password), and the counter grows (checked here, recorded atomically by ``Accepted/consume``).
    private func checkPasskey(_ json: PasskeyResponse, userId: String, now: Date) throws -> Accepted {
        let response = try json.decoded(field: "webauthn")
        guard let (challenge, issued) = try passkeys.consumeChallenge(of: response, purpose: .mfa, now: now),
            issued.userId == userId
        else { throw PasskeyFailure("challenge_mismatch") }
        guard let credential = try passkeys.credentials.find(credentialID: response.credentialID),
            credential.userId == userId
        else { throw PasskeyFailure("unknown_credential") }
        let assertion = try passkeys.checkAssertion(
            response, credential: credential, challenge: challenge, requireUserVerification: false)
        let amr = [credential.backupEligible ? "swk" : "hwk"]
        return Accepted(amr: amr) { [passkeys] in
            try passkeys.credentials.recordUse(id: credential.id, signCount: Int64(assertion.signCount), now: now)
        }
    }

    // MARK: - The OTP lockout (DESIGN.md: OTP failures have their own counter)

    static func lockoutIdentifier(_ userId: String) -> String { "otp:" + userId }

    /// Counts an attempt before the proof is checked, like the login lockout; 429 `account_locked` while locked,
    /// even for a right code.
    func beginAttempt(userId: String, now: Date) throws {
        if case .locked(let retryAfter) = try lockouts.begin(
            identifier: Self.lockoutIdentifier(userId), now: now, threshold: config.otpLockoutThreshold,
            window: TimeInterval(config.lockoutWindow))
        {
            throw AuthError.accountLocked(retryAfter: retryAfter)
        }
    }

    /// Records a wrong proof; true when this failure started a lock.
    func recordFailure(userId: String, now: Date) throws -> Bool {
        try lockouts.fail(
            identifier: Self.lockoutIdentifier(userId), now: now, threshold: config.otpLockoutThreshold,
            baseDuration: TimeInterval(config.lockoutDuration), maxDuration: TimeInterval(config.lockoutMaxDuration))
    }

    /// Records a right proof: the OTP counter starts again.
    func recordSuccess(userId: String) throws {
        try lockouts.succeed(identifier: Self.lockoutIdentifier(userId))
    }

    // MARK: - Removing every factor

    /// Removes every second factor of a user, inside the caller's unit of work: TOTP and its recovery codes, the
    /// outstanding second steps, the OTP lockout. Returns the methods that were on.
    func removeAll(userId: String, now: Date) throws -> [String] {
        let had = try methods(userId: userId)
        try totp.disable(userId: userId)
        try passkeys.credentials.deleteAll(userId: userId)
        try challenges.revokeAll(userId: userId, now: now)
        try recordSuccess(userId: userId)
        return had
    }
}

@available(*, unavailable)
extension SecondFactors: Sendable {}
