#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A row of `activity`: one change to a branch, an asset or a setting, for the dashboard.
public struct ActivityEntry: Sendable, Equatable {
    public enum Action: String, Sendable {
        case created, updated, deleted
    }

    public enum Entity: String, Sendable {
        case asset, branch, setting
    }

    public let id: Int64
    public let at: Date
    public let zone: String
    public let actorId: String?
    public let action: Action
    public let entity: Entity
    /// The asset's or branch's id, or the setting's key.
    public let entityId: String

    init(row: Row) throws {
        id = try row.get("id")
        at = try row.get("at")
        zone = try row.get("zone")
        actorId = try row.get("actor_id")
        guard let action = Action(rawValue: try row.get("action")),
            let entity = Entity(rawValue: try row.get("entity"))
        else { throw StoreError.typeMismatch("unknown activity action or entity") }
        self.action = action
        self.entity = entity
        entityId = try row.get("entity_id")
    }
}

/// The `activity` table: append-only, newest first when read. Callers append in the same transaction as the
/// change it describes, so the feed never shows a change that was rolled back, nor misses one that was not.
public struct Activity {
    let db: Database

    public init(db: Database) {
        self.db = db
    }

    /// Appends one entry.
    public func append(
        zone: String, actorId: String?, _ action: ActivityEntry.Action, _ entity: ActivityEntry.Entity,
        id entityId: String, at: Date = Date()
    ) throws {
        try db.execute(
            "INSERT INTO activity (at, zone, actor_id, action, entity, entity_id) VALUES (?, ?, ?, ?, ?, ?)",
            at, zone, actorId, action.rawValue, entity.rawValue, entityId)
    }

    /// The newest `limit` entries in `scope`, newest first.
    public func recent(in scope: ZoneScope, limit: Int = 20) throws -> [ActivityEntry] {
        let rows: [Row]
        switch scope {
        case .all: rows = try db.query(Self.recentSQL, limit)
        case .only(let zone): rows = try db.query(Self.recentInZoneSQL, zone, limit)
        }
        return try rows.map(ActivityEntry.init(row:))
    }

    /// Walks `activity_zone` backwards from the zone's newest entry.
    static let recentInZoneSQL = "SELECT * FROM activity WHERE zone = ? ORDER BY id DESC LIMIT ?"
    /// Walks the table's rowid b-tree backwards and stops after `limit` rows.
    static let recentSQL = "SELECT * FROM activity ORDER BY id DESC LIMIT ?"
}
