/// A request's FastCGI parameters as the bytes nginx sent, copied out of libfcgi in one pass into a buffer the
/// worker reuses: what a ``FastLane`` reads before (or instead of) building a ``Request``. Once the buffer has grown,
/// a request costs no allocation here; ``FastCGIParameters`` is built from it only for requests that go the
/// ordinary way.
public struct RawParameters {
    /// Every `NAME=VALUE` entry, one after another, without separators.
    private(set) var bytes: [UInt8] = []
    /// Where each entry's name starts, where its `=` is, and where its value ends, in ``bytes``.
    private(set) var entries: [(start: Int, equals: Int, end: Int)] = []

    public init() {}

    /// From name/value pairs (tests, and callers without libfcgi).
    public init(_ pairs: [(String, String)]) {
        for (name, value) in pairs { append(entry: Array("\(name)=\(value)".utf8)) }
    }

    /// Forgets the previous request's entries, keeping the buffers.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
    }

    /// Adds one entry as libfcgi hands it over (without its NUL); one without `=` is skipped, as
    /// ``FastCGIParameters`` skips it.
    mutating func append(entry: some Collection<UInt8>) {
        guard let equals = entry.firstIndex(of: UInt8(ascii: "=")) else { return }
        let start = bytes.count
        bytes.append(contentsOf: entry)
        entries.append((start, start + entry.distance(from: entry.startIndex, to: equals), bytes.count))
    }

    /// The value of the first CGI parameter named exactly `name` (`REQUEST_METHOD`), as ``FastCGIParameters``
    /// finds it.
    public func cgi(_ name: String) -> ArraySlice<UInt8>? {
        let length = name.utf8.count
        for entry in entries where entry.equals - entry.start == length {
            if bytes[entry.start..<entry.equals].elementsEqual(name.utf8) { return bytes[(entry.equals + 1)..<entry.end] }
        }
        return nil
    }

    /// The value of the first `HTTP_*` parameter whose header name (``headerName(fromCGI:)``: `_` → `-`, lower case)
    /// is `name`, given in lower case (`x-api-key`), as ``Headers`` finds it; `CONTENT_TYPE` and `CONTENT_LENGTH`,
    /// headers there too, are not looked at here.
    public func header(_ name: String) -> ArraySlice<UInt8>? {
        let prefix = 5  // "HTTP_"
        for entry in entries where entry.equals - entry.start == prefix + name.utf8.count {
            let cgiName = bytes[entry.start..<entry.equals]
            guard cgiName.starts(with: "HTTP_".utf8) else { continue }
            let matches = zip(cgiName.dropFirst(prefix), name.utf8).allSatisfy { headerNameByte(fromCGI: $0) == $1 }
            if matches { return bytes[(entry.equals + 1)..<entry.end] }
        }
        return nil
    }

    /// Whether `value` is exactly the bytes of `text`.
    public static func value(_ value: ArraySlice<UInt8>?, is text: String) -> Bool {
        guard let value, value.count == text.utf8.count else { return false }
        return value.elementsEqual(text.utf8)
    }

    /// Every entry as (name, value) bytes, in the order sent.
    func forEachEntry(_ body: (ArraySlice<UInt8>, ArraySlice<UInt8>) -> Void) {
        for entry in entries {
            body(bytes[entry.start..<entry.equals], bytes[(entry.equals + 1)..<entry.end])
        }
    }
}

// Reused by one single-threaded worker.
@available(*, unavailable)
extension RawParameters: Sendable {}
