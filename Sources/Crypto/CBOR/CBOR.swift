/// A decoded CBOR data item (RFC 8949).
///
/// Maps keep their entries in the order they were encoded; ``CBORDecoder`` refuses duplicate keys, so a lookup by
/// key has one answer.
package indirect enum CBOR: Equatable, Sendable {
    /// Major type 0.
    case unsigned(UInt64)
    /// Major type 1: the value is `-1 - n`.
    case negative(UInt64)
    case bytes([UInt8])
    case text(String)
    case array([CBOR])
    case map([Entry])
    case tagged(UInt64, CBOR)
    case bool(Bool)
    case null
    case undefined
    /// A simple value other than false, true, null and undefined.
    case simple(UInt8)
    /// A half-, single- or double-precision float, widened to `Double`.
    case float(Double)

    /// One key/value pair of a map.
    package struct Entry: Equatable, Sendable {
        package let key: CBOR
        package let value: CBOR

        package init(_ key: CBOR, _ value: CBOR) {
            self.key = key
            self.value = value
        }
    }

    /// The integer value of `.unsigned` or `.negative`, when it fits an `Int64`.
    package var integer: Int64? {
        switch self {
        case .unsigned(let n): n <= UInt64(Int64.max) ? Int64(n) : nil
        case .negative(let n): n <= UInt64(Int64.max) ? -1 - Int64(n) : nil
        default: nil
        }
    }

    package var byteString: [UInt8]? {
        if case .bytes(let bytes) = self { return bytes }
        return nil
    }

    package var textString: String? {
        if case .text(let text) = self { return text }
        return nil
    }

    package var entries: [Entry]? {
        if case .map(let entries) = self { return entries }
        return nil
    }

    /// The value under the integer key `key` of a map (COSE keys use integer labels).
    package subscript(_ key: Int64) -> CBOR? {
        entries?.first { $0.key.integer == key }?.value
    }

    /// The value under the text key `key` of a map (attestation objects use text keys).
    package subscript(_ key: String) -> CBOR? {
        entries?.first { $0.key.textString == key }?.value
    }
}
