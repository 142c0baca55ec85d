import FCGIHost

/// Strong ETags from a row's `version`, and the `If-Match` / `If-None-Match` checks (RFC 9110 §13.1).
///
/// The tag is the version in quotes (`"3"`): it changes on every update and only then. A weak form of the same
/// tag (`W/"3"`) is accepted too, because nginx turns strong ETags weak when it compresses a response; since
/// a version names exactly one state of the row, nothing is lost. A missing `If-Match` lets the write through
/// (last write wins), as API.md has no 428.
enum EntityTag {
    static func of(version: Int64) -> String { "\"\(version)\"" }

    /// 412 `precondition_failed` unless `If-Match` is absent, `*`, or lists the current tag.
    static func checkIfMatch(_ request: Request, version: Int64) throws {
        guard let header = request.headers["If-Match"] else { return }
        guard matches(header, version: version) else {
            throw HTTPError(
                .preconditionFailed, code: "precondition_failed",
                detail: "It has changed since you read it (If-Match does not match its ETag); read it again.")
        }
    }

    /// Whether `If-None-Match` lists the current tag, so a GET can answer 304.
    static func ifNoneMatchHits(_ request: Request, version: Int64) -> Bool {
        guard let header = request.headers["If-None-Match"] else { return false }
        return matches(header, version: version)
    }

    /// Whether a list of entity tags (or `*`) names `version`.
    static func matches(_ header: String, version: Int64) -> Bool {
        let current = of(version: version)
        for candidate in header.split(separator: ",") {
            var tag = candidate.trimmingWhitespace()
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            if tag == current { return true }
        }
        return false
    }
}
