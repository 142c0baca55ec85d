#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A registered WebAuthn credential (a passkey).
public struct PasskeyCredential: Sendable, Equatable {
    public let id: String
    public let userId: String
    public let credentialID: [UInt8]
    /// The COSE public key as the authenticator encoded it.
    public let publicKey: [UInt8]
    public let algorithm: Int
    public let signCount: Int64
    public let name: String
    public let aaguid: [UInt8]
    public let backupEligible: Bool
    public let createdAt: Date
    public let lastUsedAt: Date?

    init(row: Row) throws {
        id = try row.get("id")
        userId = try row.get("user_id")
        credentialID = try row.get("credential_id")
        publicKey = try row.get("public_key")
        algorithm = try row.get("algorithm")
        signCount = try row.get("sign_count")
        name = try row.get("name")
        aaguid = try row.get("aaguid")
        backupEligible = try row.get("backup_eligible")
        createdAt = try row.get("created_at")
        lastUsedAt = try row.get("last_used_at")
    }
}

/// The `webauthn_credentials` table: a user's passkeys.
///
///     let passkeys = WebAuthnCredentials(db: db)
///     let stored = try passkeys.insert(userId: user.id, credentialID: id, publicKey: cose, algorithm: -7,
///                                      signCount: 0, name: "Laptop", aaguid: aaguid, backupEligible: false,
///                                      limit: 20)
public struct WebAuthnCredentials {
    let db: Database

    public init(db: Database) {
        self.db = db
    }

    /// Stores a new credential, unless the user already has `limit` of them (then nil).
    /// - Throws: ``StoreError/duplicate`` when the credential id is registered already (to anyone).
    public func insert(
        userId: String, credentialID: [UInt8], publicKey: [UInt8], algorithm: Int, signCount: Int64, name: String,
        aaguid: [UInt8], backupEligible: Bool, limit: Int, now: Date = Date()
    ) throws -> PasskeyCredential? {
        let id = newID()
        let inserted: Bool = try db.transaction {
            let count: Int = try db.queryOne(
                "SELECT count(*) AS n FROM webauthn_credentials WHERE user_id = ?", userId
            )?.get("n") ?? 0
            guard count < limit else { return false }
            do {
                try db.execute(
                    """
                    INSERT INTO webauthn_credentials (id, user_id, credential_id, public_key, algorithm, sign_count, name,
                        aaguid, backup_eligible, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, id, userId, credentialID, publicKey, algorithm, signCount, name, aaguid, backupEligible, now)
            } catch let error as StoreError where error == .duplicate {
                throw StoreError.duplicate("credential already registered")
            }
            return true
        }
        return inserted ? try find(id: id) : nil
    }

    /// The user's credentials, oldest first.
    public func list(userId: String) throws -> [PasskeyCredential] {
        try db.query("SELECT * FROM webauthn_credentials WHERE user_id = ? ORDER BY created_at, id", userId)
            .map(PasskeyCredential.init(row:))
    }

    public func find(id: String) throws -> PasskeyCredential? {
        try db.queryOne("SELECT * FROM webauthn_credentials WHERE id = ?", id).map(PasskeyCredential.init(row:))
    }

    /// The credential with this WebAuthn credential id, whoever's it is.
    public func find(credentialID: [UInt8]) throws -> PasskeyCredential? {
        try db.queryOne("SELECT * FROM webauthn_credentials WHERE credential_id = ?", credentialID)
            .map(PasskeyCredential.init(row:))
    }

    /// Deletes one of the user's credentials; false when the user has none with that id.
    @discardableResult
    public func delete(id: String, userId: String) throws -> Bool {
        try db.execute("DELETE FROM webauthn_credentials WHERE id = ? AND user_id = ?", id, userId)
        return db.changes == 1
    }

    /// Deletes every credential of the user and returns how many there were.
    @discardableResult
    public func deleteAll(userId: String) throws -> Int {
        try db.execute("DELETE FROM webauthn_credentials WHERE user_id = ?", userId)
        return db.changes
    }

    /// Records a verified assertion: the new counter replaces the stored one only if it grew (or both are zero, an
    /// authenticator without a counter), in one statement, so two requests replaying one assertion cannot both
    /// pass. False when the counter did not advance (a cloned authenticator, or a replay).
    public func recordUse(id: String, signCount: Int64, now: Date = Date()) throws -> Bool {
        try db.execute(
            """
            UPDATE webauthn_credentials SET sign_count = ?1, last_used_at = ?2
            WHERE id = ?3 AND ((?1 = 0 AND sign_count = 0) OR sign_count < ?1)
            """, signCount, now, id)
        return db.changes == 1
    }
}
