#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The `settings` table: one JSON value per (zone, key). The caller checks keys and values.
///
///     let settings = Settings(db: db)
///     try settings.set(zone: "ZoneA", key: "currency", json: #""EUR""#, actorId: admin.id)
///     let all = try settings.all(zone: "ZoneA")   // ["currency": "\"EUR\""]
public struct Settings {
    let db: Database

    public init(db: Database) {
        self.db = db
    }

    /// Every setting of the zone: key → the value as JSON text.
    public func all(zone: String) throws -> [String: String] {
        var values: [String: String] = [:]
        for row in try db.query("SELECT key, value FROM settings WHERE zone = ?", zone) {
            values[try row.get("key")] = try row.get("value")
        }
        return values
    }

    /// The value of one setting as JSON text, or nil when it was never set.
    public func value(zone: String, key: String) throws -> String? {
        try db.queryOne("SELECT value FROM settings WHERE zone = ? AND key = ?", zone, key)?.get("value")
    }

    /// Sets one setting (`json` is a JSON text) and returns whether it is new. Run it inside a transaction
    /// when the answer matters: the check and the write are two statements.
    /// - Throws: ``StoreError/constraint`` when `json` is not JSON.
    @discardableResult
    public func set(zone: String, key: String, json: String, actorId: String?, now: Date = Date()) throws -> Bool {
        let existed = try value(zone: zone, key: key) != nil
        try db.execute(
            """
            INSERT INTO settings (zone, key, value, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (zone, key) DO UPDATE SET
                value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by
            """, zone, key, json, now, actorId)
        return !existed
    }
}
