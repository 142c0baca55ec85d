/// The values bound to one statement, in libpq's text format, with the types they declare.
///
/// Integers declare `bigint`, reals `double precision`, text `text` and blobs `bytea` (sent as `\x` hex); a
/// NULL declares nothing and takes the type its context gives it.
struct Parameters {
    /// What a bound value is, which decides the parameter type a statement is prepared with.
    enum Kind: Hashable {
        case null, integer, real, text, blob
    }

    static let int8OID: UInt32 = 20
    static let float8OID: UInt32 = 701
    static let textOID: UInt32 = 25
    static let byteaOID: UInt32 = 17

    let kinds: [Kind]
    /// Every non-NULL value's text, NUL-terminated, one after another.
    private let bytes: [CChar]
    /// Where each value starts in `bytes`, nil for NULL.
    private let offsets: [Int?]

    var count: Int { kinds.count }

    /// - Throws: ``StoreError/constraint`` for text holding a NUL character, which PostgreSQL cannot store
    ///   (SQLite can): refused rather than cut short.
    init(_ values: [Value]) throws(StoreError) {
        var kinds: [Kind] = []
        var bytes: [CChar] = []
        var offsets: [Int?] = []
        kinds.reserveCapacity(values.count)
        offsets.reserveCapacity(values.count)
        for value in values {
            let text: String
            switch value {
            case .null:
                kinds.append(.null)
                offsets.append(nil)
                continue
            case .integer(let number):
                kinds.append(.integer)
                text = String(number)
            case .real(let number):
                kinds.append(.real)
                text = number.isNaN ? "NaN" : number.isInfinite ? (number < 0 ? "-Infinity" : "Infinity") : "\(number)"
            case .text(let string):
                guard !string.utf8.contains(0) else {
                    throw StoreError(kind: .constraint, message: "text holds a NUL character")
                }
                kinds.append(.text)
                text = string
            case .blob(let blob):
                kinds.append(.blob)
                text = "\\x" + hex(blob)
            }
            offsets.append(bytes.count)
            bytes.append(contentsOf: text.utf8CString)
        }
        self.kinds = kinds
        self.bytes = bytes
        self.offsets = offsets
    }

    /// The parameter types to prepare with; `nullsAs` for NULLs (0: the server decides).
    func types(nullsAs nullType: UInt32) -> [UInt32] {
        kinds.map { kind in
            switch kind {
            case .null: nullType
            case .integer: Self.int8OID
            case .real: Self.float8OID
            case .text: Self.textOID
            case .blob: Self.byteaOID
            }
        }
    }

    /// Calls `body` with libpq's `paramValues`, `paramLengths` and `paramFormats` (all text), valid only inside it.
    func withUnsafeArguments<T>(
        _ body: (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) -> T
    ) -> T {
        unsafe bytes.withUnsafeBufferPointer { buffer in
            let values: [UnsafePointer<CChar>?] = unsafe offsets.map { offset in
                unsafe offset.map { unsafe buffer.baseAddress! + $0 }
            }
            return unsafe values.withUnsafeBufferPointer { values in
                unsafe body(values.baseAddress, nil, nil)
            }
        }
    }
}

private func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    text.reserveCapacity(bytes.count * 2)
    for byte in bytes {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: text, as: UTF8.self)
}
