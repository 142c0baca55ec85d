/// What an event is about: `{"type", "id"}`.
public struct EventSubject: Sendable, Equatable {
    public let type: String
    public let id: String

    public init(type: String, id: String) {
        self.type = type
        self.id = id
    }

    public static func user(_ id: String) -> Self { .init(type: "user", id: id) }
    public static func session(_ id: String) -> Self { .init(type: "session", id: id) }
    public static func role(_ name: String) -> Self { .init(type: "role", id: name) }
    public static func client(_ id: String) -> Self { .init(type: "client", id: id) }
    public static func webhook(_ id: String) -> Self { .init(type: "webhook", id: id) }
    public static func assignment(_ id: String) -> Self { .init(type: "assignment", id: id) }
    public static let policies = Self(type: "policy", id: "policies")
}
