/// Turns `DATABASE_URL` into a file path.
public enum DatabaseURL {
    /// Accepts `sqlite:///abs/path` (absolute), `sqlite://relative/path`, `sqlite:path` and a plain path.
    ///
    ///     try DatabaseURL.path(from: "sqlite:///var/lib/gatehouse/gatehouse.db")  // "/var/lib/gatehouse/gatehouse.db"
    /// - Throws: ``StoreError/invalidDatabaseURL`` for an empty path, another scheme, or a query or fragment.
    public static func path(from url: String) throws -> String {
        let url = url.trimmingPrefixAndSuffixWhitespace()
        var path: Substring
        if url.hasPrefix("sqlite://") {
            path = url.dropFirst("sqlite://".count)
        } else if url.hasPrefix("sqlite:") {
            path = url.dropFirst("sqlite:".count)
        } else if let colon = url.firstIndex(of: ":"), let slash = url.firstIndex(of: "/"), colon < slash,
            url[url.startIndex..<colon].allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) })
        {
            // Another scheme (postgres://, file:/…): say so rather than open a file by that name.
            throw StoreError(kind: .invalidDatabaseURL, message: "DATABASE_URL must use the sqlite scheme")
        } else {
            path = Substring(url)
        }
        guard !path.isEmpty else {
            throw StoreError(kind: .invalidDatabaseURL, message: "DATABASE_URL names no file")
        }
        guard !path.contains("?"), !path.contains("#") else {
            throw StoreError(kind: .invalidDatabaseURL, message: "DATABASE_URL must not carry a query or fragment")
        }
        return String(path)
    }
}

extension String {
    fileprivate func trimmingPrefixAndSuffixWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
