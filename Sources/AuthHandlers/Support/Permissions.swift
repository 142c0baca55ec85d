/// Permission strings of two segments, `resource:action` or `action:resource` as written in role definitions;
/// a `*` segment matches any value (API.md "Tokens").
public enum Permissions {
    /// Whether the granted permissions include `required`.
    public static func allows(_ granted: [String], _ required: String) -> Bool {
        granted.contains { matches(granted: $0, required: required) }
    }

    static func matches(granted: String, required: String) -> Bool {
        if granted == required { return true }
        let have = granted.split(separator: ":", omittingEmptySubsequences: false)
        let want = required.split(separator: ":", omittingEmptySubsequences: false)
        guard have.count == 2, want.count == 2 else { return false }
        return zip(have, want).allSatisfy { $0 == "*" || $0 == $1 }
    }

    /// Whether `permission` is well formed: two non-empty segments of letters, digits, `_`, `-`, `.` or `*`.
    public static func isValid(_ permission: String) -> Bool {
        let parts = permission.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { part in
            !part.isEmpty && part.utf8.count <= 64
                && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.*".contains($0)) }
        }
    }
}
