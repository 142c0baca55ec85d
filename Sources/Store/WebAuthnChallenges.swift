#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A challenge issued for a WebAuthn ceremony, as handed back when it is consumed.
public struct IssuedChallenge: Sendable, Equatable {
    /// SHA-256 of the challenge the client must sign.
    public let challengeHash: [UInt8]
    /// The user it was issued to (registration, second factor), or the account named at passwordless login.
    public let userId: String?
    /// The normalised identifier named at passwordless login, if any.
    public let identifier: String?
    public let expiresAt: Date
}

/// The `webauthn_challenges` table: single-use ceremony challenges, kept only as SHA-256 hashes.
///
/// A challenge is found by `tokenHash`: the hash of the challenge itself (registration, second factor), or of the
/// `challenge_token` handed out with it (passwordless login). Consuming deletes the row whatever follows, so a
/// challenge is never accepted twice; expired rows are pruned by ``Retention``.
public struct WebAuthnChallenges {
    let db: Database

    public init(db: Database) {
        self.db = db
    }

    /// The ceremonies a challenge can be for.
    public enum Purpose: String, Sendable {
        case register, login, mfa
    }

    public func issue(
        tokenHash: [UInt8], challengeHash: [UInt8], purpose: Purpose, userId: String?, identifier: String?,
        expiresAt: Date
    ) throws {
        try db.execute(
            """
            INSERT INTO webauthn_challenges (token_hash, challenge_hash, purpose, user_id, identifier, expires_at)
            VALUES (?, ?, ?, ?, ?, ?)
            """, tokenHash, challengeHash, purpose.rawValue, userId, identifier, expiresAt)
    }

    /// Takes the challenge out of the table: nil when there is none for `purpose`, or it expired before `now` (the
    /// row goes either way).
    public func consume(tokenHash: [UInt8], purpose: Purpose, now: Date = Date()) throws -> IssuedChallenge? {
        guard
            let row = try db.queryOne(
                """
                DELETE FROM webauthn_challenges WHERE token_hash = ? AND purpose = ?
                RETURNING challenge_hash, user_id, identifier, expires_at
                """, tokenHash, purpose.rawValue)
        else { return nil }
        let challenge = IssuedChallenge(
            challengeHash: try row.get("challenge_hash"), userId: try row.get("user_id"),
            identifier: try row.get("identifier"), expiresAt: try row.get("expires_at"))
        return challenge.expiresAt > now ? challenge : nil
    }

    /// How many challenges are stored (tests, and the bound on what unauthenticated callers can store).
    public func count() throws -> Int {
        try db.queryOne("SELECT count(*) AS n FROM webauthn_challenges")?.get("n") ?? 0
    }
}
