/// `DATABASE_URL`, sorted by backend.
public enum DatabaseURL: Sendable, Equatable {
    /// A SQLite file (or `:memory:`).
    case sqlite(path: String)
    /// A libpq connection URI, passed to libpq as given.
    case postgresql(String)

    /// Accepts `sqlite:///abs/path` (absolute), `sqlite://relative/path`, `sqlite:path`, a plain path, and
    /// `postgresql://…` or `postgres://…` (libpq's URI form; a unix-socket directory goes in `?host=/dir`).
    ///
    ///     try DatabaseURL("sqlite:///var/lib/gatehouse/gatehouse.db")  // .sqlite(path: "/var/lib/gatehouse/gatehouse.db")
    ///     try DatabaseURL("postgresql://gatehouse@db.internal/gatehouse?sslmode=verify-full")
    /// - Throws: ``StoreError/invalidDatabaseURL`` for an empty path, another scheme, or a SQLite URL with a query
    ///   or fragment.
    public init(_ url: String) throws {
        let url = url.trimmingPrefixAndSuffixWhitespace()
        if url.hasPrefix("postgresql://") || url.hasPrefix("postgres://") {
            self = .postgresql(url)
        } else {
            self = .sqlite(path: try Self.path(from: url))
        }
    }

    /// The backend this URL names.
    public var backend: Backend {
        switch self {
        case .sqlite: .sqlite
        case .postgresql: .postgresql
        }
    }

    /// The SQLite file a `sqlite:` URL or a plain path names.
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
            // Another scheme (file:/…, mysql://…): say so rather than open a file by that name.
            throw StoreError(
                kind: .invalidDatabaseURL, message: "DATABASE_URL must use the sqlite or postgresql scheme")
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
