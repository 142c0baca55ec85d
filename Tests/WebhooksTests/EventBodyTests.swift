#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import FCGIHost
import Testing
@testable import Webhooks

/// An event's stored body (what webhooks deliver and sign) is written by hand: it must be the text `JSONEncoder`
/// writes for the same object with sorted keys, and carry no `actor_id` when there is no actor.
@Suite struct EventBodyTests {
    static func encoded(_ value: JSONValue) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test("with and without an actor, with data that needs escaping", arguments: [nil, "user-\"1\"/é"])
    func body(actor: String?) throws {
        let at = Date(timeIntervalSince1970: 1_796_000_000)
        let data: [String: JSONValue] = [
            "reason": .string("refresh token reuse\n"), "email": .string("a/b@example.com"), "count": .number(3),
            "nested": .object(["z": .null, "a": .array([.bool(true), .number(0.5)])]),
        ]
        let subject = EventSubject(type: "session", id: "7d4f\\x")
        var expected: [String: JSONValue] = [
            "id": .string("0b6a"), "type": .string(EventType.sessionRevoked.rawValue), "at": .string(RFC3339.string(at)),
            "subject": .object(["type": .string(subject.type), "id": .string(subject.id)]), "data": .object(data),
        ]
        if let actor { expected["actor_id"] = .string(actor) }
        let body = EventLog.body(id: "0b6a", type: .sessionRevoked, actor: actor, subject: subject, data: data, at: at)
        #expect(body == (try Self.encoded(.object(expected))))
        #expect(body.contains("actor_id") == (actor != nil))
    }
}
