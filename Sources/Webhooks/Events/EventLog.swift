#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
import Crypto
public import FCGIHost
public import Store

/// Writes events (API.md "Events and webhooks"): `{"id", "type", "at", "actor_id"?, "subject": {"type", "id"},
/// "data": {...}}`, appended to the outbox with the deliveries of every matching subscription.
///
/// Called inside the unit of work that makes the change, so the event commits with it or not at all; a failure to
/// write it throws and rolls the change back.
///
///     try auth.database.perform(.updateUser) {
///         let user = try users.update(…)
///         try events.record(.userUpdated, actor: caller, subject: .user(user.id), data: ["fields": …], at: now)
///     }
///
/// `data` names what changed (ids, emails, role names, zone/department, field names), never a secret.
public struct EventLog {
    let events: Events

    public init(database: Database) {
        events = Events(db: database)
    }

    /// Appends one event; returns its id.
    @discardableResult
    public func record(
        _ type: EventType, actor: String? = nil, subject: EventSubject, data: [String: JSONValue] = [:],
        at: Date = Date()
    ) throws -> String {
        let id = Random.uuid()
        try events.append(id: id, type: type.rawValue, at: at, body: Self.body(id: id, type: type, actor: actor, subject: subject, data: data, at: at))
        return id
    }

    /// The subject of a `login.failed` for an identifier that names no account: its SHA-256, hex.
    public static func identifierSubject(_ normalizedIdentifier: String) -> EventSubject {
        EventSubject(type: "identifier", id: SHA256.hash(normalizedIdentifier).map { hex($0) }.joined())
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
    }

    /// The stored (and delivered) body, keys in sorted order as `JSONEncoder` would write them; no `actor_id` for
    /// an event without an actor.
    static func body(
        id: String, type: EventType, actor: String?, subject: EventSubject, data: [String: JSONValue], at: Date
    ) -> String {
        var out = JSONOutput(capacity: 512)
        if let actor {
            out.raw("{\"actor_id\":")
            out.string(actor)
            out.raw(",\"at\":")
        } else {
            out.raw("{\"at\":")
        }
        out.string(RFC3339.string(at))
        out.raw(",\"data\":")
        out.value(.object(data))
        out.raw(",\"id\":")
        out.string(id)
        out.raw(",\"subject\":{\"id\":")
        out.string(subject.id)
        out.raw(",\"type\":")
        out.string(subject.type)
        out.raw("},\"type\":")
        out.string(type.rawValue)
        out.raw("}")
        return out.text
    }
}
