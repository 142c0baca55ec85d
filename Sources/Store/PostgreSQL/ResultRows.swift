internal import CPostgreSQL

/// Reads a libpq result (text format) into ``Row``s, each value by its column's type.
///
/// Integers (`bigint`, `integer`, `smallint`, `oid`, and `numeric` without a fraction, as `sum` returns) become
/// ``Value/integer(_:)``; `boolean` becomes 1 or 0 as SQLite stores it; floating types and fractional `numeric`
/// ``Value/real(_:)``; `bytea` ``Value/blob(_:)``; everything else ``Value/text(_:)``.
enum ResultRows {
    private enum ColumnKind {
        case integer, real, numeric, boolean, blob, text
    }

    private static func kind(of type: UInt32) -> ColumnKind {
        switch type {
        case 20, 21, 23, 26: .integer  // int8, int2, int4, oid
        case 700, 701: .real  // float4, float8
        case 1700: .numeric
        case 16: .boolean
        case 17: .blob  // bytea
        default: .text
        }
    }

    static func read(_ result: OpaquePointer) -> [Row] {
        let rowCount = Int(unsafe PQntuples(result))
        let columnCount = Int(unsafe PQnfields(result))
        guard rowCount > 0 else { return [] }
        var columns: [String] = []
        var kinds: [ColumnKind] = []
        for column in 0..<columnCount {
            columns.append(unsafe PQfname(result, Int32(column)).map { unsafe String(cString: $0) } ?? "")
            kinds.append(kind(of: unsafe PQftype(result, Int32(column))))
        }
        var rows: [Row] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var values: [Value] = []
            values.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                if unsafe PQgetisnull(result, Int32(row), Int32(column)) != 0 {
                    values.append(.null)
                    continue
                }
                let length = Int(unsafe PQgetlength(result, Int32(row), Int32(column)))
                guard let pointer = unsafe PQgetvalue(result, Int32(row), Int32(column)) else {
                    values.append(.null)
                    continue
                }
                let bytes = unsafe UnsafeRawBufferPointer(start: pointer, count: length)
                values.append(unsafe value(bytes, kinds[column]))
            }
            rows.append(Row(columns: columns, values: values))
        }
        return rows
    }

    private static func value(_ bytes: UnsafeRawBufferPointer, _ kind: ColumnKind) -> Value {
        let text = unsafe String(decoding: bytes, as: UTF8.self)
        switch kind {
        case .text:
            return .text(text)
        case .integer:
            return Int64(text).map(Value.integer) ?? .text(text)
        case .real:
            return Double(text).map(Value.real) ?? realSpecial(text)
        case .numeric:
            if let integer = Int64(text) { return .integer(integer) }
            return Double(text).map(Value.real) ?? realSpecial(text)
        case .boolean:
            return .integer(text == "t" ? 1 : 0)
        case .blob:
            return .blob(unhex(text.utf8.dropFirst(2)))
        }
    }

    private static func realSpecial(_ text: String) -> Value {
        switch text {
        case "NaN": .real(.nan)
        case "Infinity": .real(.infinity)
        case "-Infinity": .real(-.infinity)
        default: .text(text)
        }
    }

    /// `bytea` in hex output (`\x0a1b…`, the server default since 9.0), without its `\x`.
    private static func unhex(_ digits: Substring.UTF8View) -> [UInt8] {
        func nibble(_ digit: UInt8) -> UInt8 {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: 0
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var high: UInt8? = nil
        for digit in digits {
            if let first = high {
                bytes.append(first << 4 | nibble(digit))
                high = nil
            } else {
                high = nibble(digit)
            }
        }
        return bytes
    }
}
