import FCGIHost

/// One field of a JSON body as sent: left out, `null`, or a value. Updates keep what is left out, and `null`
/// clears a field that may be empty (an asset's `assigned_to`, say).
enum Patch<Value: Decodable> {
    case absent
    case null
    case value(Value)

    /// The value, or nil when absent or null.
    var value: Value? {
        if case .value(let value) = self { return value }
        return nil
    }

    var isAbsent: Bool {
        if case .absent = self { return true }
        return false
    }
}

extension KeyedDecodingContainer {
    /// Decodes `key` as a ``Patch``; a value of the wrong JSON type still throws (400 `invalid_request`).
    func patch<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> Patch<T> {
        guard contains(key) else { return .absent }
        if try decodeNil(forKey: key) { return .null }
        return .value(try decode(T.self, forKey: key))
    }
}

/// Collects the field errors of one body, then throws them together as one 422.
struct FieldErrors {
    private(set) var errors: [HTTPError.FieldError] = []

    mutating func add(_ field: String, _ message: String) {
        errors.append(.init(field: field, message: message))
    }

    mutating func add(_ more: [HTTPError.FieldError]) {
        errors += more
    }

    /// 422 `validation_failed` with every error collected, if any.
    func check() throws {
        guard errors.isEmpty else { throw HTTPError.validation(errors) }
    }

    /// A required text: trimmed, 1 to `max` characters, on one line.
    mutating func line(_ patch: Patch<String>, _ field: String, max: Int, required: Bool) -> String? {
        switch patch {
        case .absent:
            if required { add(field, "is required") }
            return nil
        case .null:
            add(field, required ? "is required" : "must not be null")
            return nil
        case .value(let raw):
            let value = raw.trimmingWhitespace()
            if value.isEmpty || value.count > max || Self.hasControlCharacters(value, allowingNewlines: false) {
                add(field, "must be 1 to \(max) characters on one line")
            }
            return value
        }
    }

    /// A free text of at most `max` characters, line breaks allowed; nil when absent.
    mutating func text(_ patch: Patch<String>, _ field: String, max: Int) -> String? {
        switch patch {
        case .absent: return nil
        case .null:
            add(field, "must not be null")
            return nil
        case .value(let value):
            if value.count > max || Self.hasControlCharacters(value, allowingNewlines: true) {
                add(field, "must be at most \(max) characters, without control characters other than line breaks")
            }
            return value
        }
    }

    static func hasControlCharacters(_ text: String, allowingNewlines: Bool) -> Bool {
        text.unicodeScalars.contains {
            ($0.value < 0x20 && !(allowingNewlines && ($0 == "\n" || $0 == "\r" || $0 == "\t"))) || $0.value == 0x7F
        }
    }
}

/// The largest integer JSON numbers carry exactly (2^53 - 1): the bound of cent amounts.
let maxExactInteger = 9_007_199_254_740_991.0
