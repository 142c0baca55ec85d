#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import FCGIHost

/// Small JSON texts for storage columns (audit details, profiles).
public enum JSONText {
    /// Written as `JSONEncoder` with sorted keys writes them, without its cost (``JSONOutput``).
    public static func object(_ members: [String: String]) -> String {
        var out = JSONOutput(capacity: 256)
        out.object(members)
        return out.text
    }

    static func encode(_ value: JSONValue) -> String {
        var out = JSONOutput(capacity: 256)
        out.value(value)
        return out.text
    }

    static func decode(_ text: String) -> JSONValue {
        (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .object([:])
    }
}
