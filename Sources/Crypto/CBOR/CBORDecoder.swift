/// A bounded CBOR decoder (RFC 8949) for the data WebAuthn hands over: attestation objects, COSE keys and
/// authenticator-data extensions.
///
/// Untrusted input never crashes it and never makes it allocate more than the input justifies: nesting is capped
/// (``Limits/maxDepth``), so is the number of items (``Limits/maxItems``) and the length of a string; a length
/// that claims more bytes or items than remain is refused before anything is reserved. Every refusal is a
/// ``CryptoError/malformedCBOR`` naming the offset.
///
/// By default it accepts only the deterministic form CTAP2 prescribes ("CTAP2 canonical CBOR"): definite lengths,
/// integers and lengths in their shortest form, map keys unique and sorted by their encoded bytes.
/// ```swift
/// let attestation = try CBORDecoder.decode(attestationObject)        // the whole input, nothing after it
/// let (key, end) = try CBORDecoder.decodePrefix(authData[start...])  // a COSE key followed by more data
/// ```
package struct CBORDecoder {
    package struct Limits: Sendable {
        /// Deepest nesting of arrays, maps and tags (the top level is depth 1).
        package var maxDepth = 16
        /// Most data items in one decode, counting every nested item.
        package var maxItems = 4096
        /// Longest byte or text string.
        package var maxStringLength = 64 * 1024
        /// Indefinite-length strings, arrays and maps (CTAP2 forbids them).
        package var allowsIndefiniteLengths = false
        /// Shortest-form integers and lengths, and map keys in ascending order of their encoding.
        package var requiresDeterministicEncoding = true

        package init() {}

        /// What CTAP2 and WebAuthn allow.
        package static let webAuthn = Limits()
        /// Any well-formed CBOR (RFC 8949 Appendix A's examples include indefinite lengths), still bounded.
        package static var lenient: Limits {
            var limits = Limits()
            limits.allowsIndefiniteLengths = true
            limits.requiresDeterministicEncoding = false
            return limits
        }
    }

    private let bytes: ArraySlice<UInt8>
    private let limits: Limits
    private var index: Int
    private var items = 0

    private init(_ bytes: ArraySlice<UInt8>, limits: Limits) {
        self.bytes = bytes
        self.limits = limits
        index = bytes.startIndex
    }

    /// Decodes exactly one data item that fills all of `bytes`.
    package static func decode(_ bytes: [UInt8], limits: Limits = .webAuthn) throws(CryptoError) -> CBOR {
        let (value, end) = try decodePrefix(bytes[...], limits: limits)
        guard end == bytes.endIndex else { throw fail("\(bytes.endIndex - end) bytes after the data item", at: end) }
        return value
    }

    /// Decodes one data item at the start of `bytes` and returns it with the index just after it.
    package static func decodePrefix(_ bytes: ArraySlice<UInt8>, limits: Limits = .webAuthn) throws(CryptoError)
        -> (CBOR, Int)
    {
        var decoder = CBORDecoder(bytes, limits: limits)
        let value = try decoder.item(depth: 1)
        return (value, decoder.index)
    }

    private static func fail(_ message: String, at offset: Int) -> CryptoError {
        CryptoError.malformedCBOR.with("CBOR: \(message) at offset \(offset)")
    }

    private func fail(_ message: String) -> CryptoError { Self.fail(message, at: index - bytes.startIndex) }

    // MARK: - Items

    private mutating func item(depth: Int) throws(CryptoError) -> CBOR {
        guard depth <= limits.maxDepth else { throw fail("nesting deeper than \(limits.maxDepth)") }
        items += 1
        guard items <= limits.maxItems else { throw fail("more than \(limits.maxItems) data items") }
        let initial = try byte()
        let major = initial >> 5
        let info = initial & 0x1F
        if major == 7 { return try simpleOrFloat(info) }
        if info == 31 {
            guard limits.allowsIndefiniteLengths else { throw fail("indefinite length") }
            return try indefinite(major: major, depth: depth)
        }
        let argument = try self.argument(info)
        switch major {
        case 0: return .unsigned(argument)
        case 1: return .negative(argument)
        case 2: return .bytes(try string(length: argument))
        case 3: return .text(try text(try string(length: argument)))
        case 4:
            let count = try count(argument, minimumBytesEach: 1)
            var elements: [CBOR] = []
            elements.reserveCapacity(count)
            for _ in 0..<count { elements.append(try item(depth: depth + 1)) }
            return .array(elements)
        case 5:
            return .map(try mapEntries(count: try count(argument, minimumBytesEach: 2), depth: depth))
        default:  // 6
            return .tagged(argument, try item(depth: depth + 1))
        }
    }

    private mutating func mapEntries(count: Int, depth: Int) throws(CryptoError) -> [CBOR.Entry] {
        var entries: [CBOR.Entry] = []
        entries.reserveCapacity(count)
        var keys: [ArraySlice<UInt8>] = []
        keys.reserveCapacity(count)
        for _ in 0..<count {
            let start = index
            let key = try item(depth: depth + 1)
            let encoded = bytes[start..<index]
            if limits.requiresDeterministicEncoding, let previous = keys.last {
                guard previous.lexicographicallyPrecedes(encoded) else {
                    throw fail(previous.elementsEqual(encoded) ? "duplicate map key" : "map keys out of order")
                }
            } else if keys.contains(where: { $0.elementsEqual(encoded) }) {
                throw fail("duplicate map key")
            }
            keys.append(encoded)
            entries.append(CBOR.Entry(key, try item(depth: depth + 1)))
        }
        return entries
    }

    private mutating func indefinite(major: UInt8, depth: Int) throws(CryptoError) -> CBOR {
        switch major {
        case 2, 3:
            var joined: [UInt8] = []
            while try !takeBreak() {
                let chunk = try byte()
                guard chunk >> 5 == major, chunk & 0x1F != 31 else { throw fail("bad chunk in an indefinite string") }
                joined += try string(length: try argument(chunk & 0x1F))
                guard joined.count <= limits.maxStringLength else { throw fail("string longer than the limit") }
            }
            return major == 2 ? .bytes(joined) : .text(try text(joined))
        case 4:
            var elements: [CBOR] = []
            while try !takeBreak() { elements.append(try item(depth: depth + 1)) }
            return .array(elements)
        case 5:
            var entries: [CBOR.Entry] = []
            var keys: [ArraySlice<UInt8>] = []
            while try !takeBreak() {
                let start = index
                let key = try item(depth: depth + 1)
                let encoded = bytes[start..<index]
                guard !keys.contains(where: { $0.elementsEqual(encoded) }) else { throw fail("duplicate map key") }
                keys.append(encoded)
                entries.append(CBOR.Entry(key, try item(depth: depth + 1)))
            }
            return .map(entries)
        default:
            throw fail("indefinite length for major type \(major)")
        }
    }

    /// True (and consumed) if the next byte is the "break" stop code.
    private mutating func takeBreak() throws(CryptoError) -> Bool {
        guard index < bytes.endIndex else { throw fail("missing break") }
        if bytes[index] == 0xFF {
            index += 1
            return true
        }
        return false
    }

    private mutating func simpleOrFloat(_ info: UInt8) throws(CryptoError) -> CBOR {
        switch info {
        case 20: return .bool(false)
        case 21: return .bool(true)
        case 22: return .null
        case 23: return .undefined
        case 0..<20: return .simple(info)
        case 24:
            let value = try byte()
            guard value >= 32 else { throw fail("simple value \(value) in two bytes") }
            return .simple(value)
        case 25: return .float(Self.half(UInt16(try uint(2))))
        case 26: return .float(Double(Float(bitPattern: UInt32(try uint(4)))))
        case 27: return .float(Double(bitPattern: try uint(8)))
        case 31: throw fail("break outside an indefinite-length item")
        default: throw fail("reserved additional information \(info)")
        }
    }

    // MARK: - Pieces

    private mutating func byte() throws(CryptoError) -> UInt8 {
        guard index < bytes.endIndex else { throw fail("unexpected end of input") }
        defer { index += 1 }
        return bytes[index]
    }

    private mutating func uint(_ width: Int) throws(CryptoError) -> UInt64 {
        guard bytes.endIndex - index >= width else { throw fail("unexpected end of input") }
        var value: UInt64 = 0
        for offset in 0..<width { value = value << 8 | UInt64(bytes[index + offset]) }
        index += width
        return value
    }

    private mutating func argument(_ info: UInt8) throws(CryptoError) -> UInt64 {
        let value: UInt64
        let floor: UInt64
        switch info {
        case 0..<24: return UInt64(info)
        case 24: (value, floor) = (try uint(1), 24)
        case 25: (value, floor) = (try uint(2), 1 << 8)
        case 26: (value, floor) = (try uint(4), 1 << 16)
        case 27: (value, floor) = (try uint(8), 1 << 32)
        default: throw fail("reserved additional information \(info)")
        }
        if limits.requiresDeterministicEncoding, value < floor { throw fail("argument \(value) not in shortest form") }
        return value
    }

    /// An element count, refused when the remaining input cannot hold that many items.
    private func count(_ argument: UInt64, minimumBytesEach: Int) throws(CryptoError) -> Int {
        let remaining = UInt64(bytes.endIndex - index)
        guard argument <= remaining / UInt64(minimumBytesEach) else {
            throw fail("count \(argument) larger than the remaining input")
        }
        guard argument <= UInt64(limits.maxItems) else { throw fail("count \(argument) over the item limit") }
        return Int(argument)
    }

    private mutating func string(length: UInt64) throws(CryptoError) -> [UInt8] {
        guard length <= UInt64(limits.maxStringLength) else { throw fail("string of \(length) bytes over the limit") }
        guard length <= UInt64(bytes.endIndex - index) else { throw fail("string longer than the remaining input") }
        let end = index + Int(length)
        defer { index = end }
        return Array(bytes[index..<end])
    }

    private func text(_ utf8: [UInt8]) throws(CryptoError) -> String {
        guard let text = String(validating: utf8, as: UTF8.self) else { throw fail("text string not valid UTF-8") }
        return text
    }

    /// IEEE 754 half precision (RFC 8949 Appendix D).
    private static func half(_ bits: UInt16) -> Double {
        let exponent = Int(bits >> 10) & 0x1F
        let mantissa = Double(bits & 0x3FF)
        let magnitude: Double =
            switch exponent {
            case 0: mantissa * 0x1p-24
            case 31: mantissa == 0 ? .infinity : .nan
            default: (mantissa + 1024) * Double(sign: .plus, exponent: exponent - 25, significand: 1)
            }
        return bits & 0x8000 != 0 ? -magnitude : magnitude
    }
}
