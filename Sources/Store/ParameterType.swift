#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a remote procedure's parameter accepts, and the value each JSON argument binds as.
///
/// JSON `null` binds SQL NULL for every type.
enum ParameterType: Sendable, Equatable {
    /// A whole JSON number within `range` (PostgreSQL `smallint`, `integer`, `bigint`; SQLite `integer`).
    case integer(ClosedRange<Int64>)
    /// Any JSON number (`real`, `double precision`, `numeric`).
    case real
    /// A JSON string.
    case text
    /// `true` or `false`, bound as 1 or 0.
    case boolean
    /// Any JSON value, bound as its JSON text (`json`, `jsonb`; SQLite `json` for the JSON functions).
    case json
    /// Bytes, given as a base64 string (`bytea`, SQLite `blob`).
    case blob
    /// A JSON string that the database converts to the parameter's type (PostgreSQL `uuid`, `date`,
    /// `timestamptz`, enums, arrays in their text form, …).
    case castFromText
    /// Any JSON scalar as it is (an undeclared SQLite parameter).
    case any

    /// What a problem with an argument says.
    struct Problem: Error, Equatable {
        let message: String
    }

    /// The value `argument` binds as, or why it does not fit.
    func value(for argument: ProcedureArgument) -> Result<Value, Problem> {
        if argument == .null { return .success(.null) }
        switch (self, argument) {
        case (.integer(let range), .integer(let number)):
            return range.contains(number) ? .success(.integer(number)) : .failure(Self.outOfRange(range))
        case (.integer(let range), .number(let number)) where number.rounded(.towardZero) == number:
            // 1.0 or 1e3: whole, though written with a fraction or exponent.
            guard let whole = Int64(exactly: number), range.contains(whole) else {
                return .failure(Self.outOfRange(range))
            }
            return .success(.integer(whole))
        case (.integer, _):
            return .failure(Problem(message: "must be an integer"))
        case (.real, .integer(let number)):
            return .success(.real(Double(number)))
        case (.real, .number(let number)):
            return .success(.real(number))
        case (.real, _):
            return .failure(Problem(message: "must be a number"))
        case (.text, .string(let text)), (.castFromText, .string(let text)):
            return .success(.text(text))
        case (.text, _), (.castFromText, _):
            return .failure(Problem(message: "must be a string"))
        case (.boolean, .bool(let flag)):
            return .success(.integer(flag ? 1 : 0))
        case (.boolean, _):
            return .failure(Problem(message: "must be true or false"))
        case (.json, _):
            return .success(.text(Self.jsonText(argument)))
        case (.blob, .string(let text)):
            guard let bytes = Data(base64Encoded: text) else {
                return .failure(Problem(message: "must be base64 (RFC 4648, with padding)"))
            }
            return .success(.blob(Array(bytes)))
        case (.blob, _):
            return .failure(Problem(message: "must be a base64 string"))
        case (.any, .bool(let flag)):
            return .success(.integer(flag ? 1 : 0))
        case (.any, .integer(let number)):
            return .success(.integer(number))
        case (.any, .number(let number)):
            return .success(.real(number))
        case (.any, .string(let text)):
            return .success(.text(text))
        case (.any, _):
            return .failure(Problem(message: "must be a string, a number, true, false or null"))
        }
    }

    private static func outOfRange(_ range: ClosedRange<Int64>) -> Problem {
        Problem(message: "must be an integer from \(range.lowerBound) to \(range.upperBound)")
    }

    /// The JSON text of a scalar or the text an array or object arrived as.
    static func jsonText(_ argument: ProcedureArgument) -> String {
        switch argument {
        case .null: "null"
        case .bool(let flag): flag ? "true" : "false"
        case .integer(let number): String(number)
        case .number(let number): number.isFinite ? "\(number)" : "null"
        case .string(let text): quoted(text)
        case .json(let text): text
        }
    }

    /// `text` as a JSON string (RFC 8259 §7).
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
