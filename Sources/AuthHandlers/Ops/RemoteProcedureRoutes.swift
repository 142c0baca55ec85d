#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import FCGIHost
public import Store

/// `POST /connection/rpc` (API.md "Operations"): calls one function of the database's allowlist with named
/// arguments, read-only and within `RPC_TIMEOUT`, and answers its rows (docs/RPC.md).
///
///     POST /connection/rpc  {"function": "active_users", "args": {"since": 1750000000}}
///     200 {"rows": [{"email": "ada@example.com", "id": "…"}]}
public struct RemoteProcedureRoutes {
    /// The permission a caller needs.
    public static let permission = "connection:rpc"

    let authenticator: Authenticator
    /// Nil when the query files were refused at start-up: every call is then a 500 until they are fixed and the
    /// service reloaded (the supervisor refuses such a reload, so this is the window between an edit and a reload).
    let procedures: RemoteProcedures?

    public init(authenticator: Authenticator, procedures: RemoteProcedures?) {
        self.authenticator = authenticator
        self.procedures = procedures
    }

    public func addRoutes(to router: Router) {
        let authenticator = authenticator
        router.post("/connection/rpc") { request, context in
            let principal = try authenticator.require(Self.permission, request, now: context.receivedAt)
            return try call(request, context: context, principal: principal)
        }
    }

    /// `{"function": name, "args": {name: value}}`; `args` may be left out for a function without parameters.
    struct CallBody: Decodable {
        let function: String
        let args: [String: Argument]?
    }

    func call(_ request: Request, context: RequestContext, principal: Principal) throws -> Response {
        let body = try request.decode(CallBody.self)
        var logger = context.logger
        // Only a name that could be in the allowlist reaches the log as it is.
        let function = RemoteProcedures.isIdentifier(body.function) ? body.function : "(not a function name)"
        logger.metadata["rpc.function"] = function
        logger.metadata["user.id"] = principal.userID
        guard let procedures else {
            logger.error("RPC refused: the query files in RPC_DIR did not load; see the worker's start-up error")
            throw HTTPError.internalError
        }
        let started = ContinuousClock.now
        let rows: [Row]
        do {
            rows = try procedures.call(body.function, arguments: (body.args ?? [:]).mapValues(\.value))
        } catch let error as StoreError {
            throw httpError(for: error, function: function, logger: logger)
        }
        let elapsed = started.duration(to: .now).components
        let milliseconds = Double(elapsed.seconds) * 1000 + Double(elapsed.attoseconds) / 1e15
        logger.info("RPC call", metadata: ["rpc.rows": "\(rows.count)", "rpc.duration_ms": "\(Int(milliseconds))"])
        return try .json(RowsBody(rows: rows))
    }

    /// The answers of API.md for a call that failed in the Store; anything else is a 500 with the error logged.
    func httpError(for error: StoreError, function: String, logger: Logger) -> HTTPError {
        switch error {
        case .notFound:
            logger.notice("RPC refused: no such function", metadata: ["error": error.reason])
            let named = RemoteProcedures.isIdentifier(function) ? " named \(function)" : " of that name"
            return .notFound("No function\(named) is in the allowlist (docs/RPC.md).")
        case .invalidArguments:
            return error.argumentsError
        case .readOnly:
            // Elsewhere a read-only database is the server's fault (500); here the function tried to write.
            logger.notice("RPC refused: the function tried to write", metadata: ["error": error.reason])
            return .forbidden("The function tried to write; /connection/rpc runs functions read-only.")
        case .timeout:
            logger.warning("RPC cancelled at RPC_TIMEOUT", metadata: ["error": error.reason])
            return HTTPError(
                .serviceUnavailable, code: "unavailable",
                detail: "The function ran longer than RPC_TIMEOUT and was cancelled.",
                headers: Headers([("Retry-After", "1")]))
        default:
            logger.error("RPC call failed", metadata: ["error": "\(error)"])
            return error.httpError
        }
    }
}

extension RemoteProcedureRoutes {
    /// An argument's JSON value, integers kept exact up to 64 bits.
    struct Argument: Decodable {
        let value: ProcedureArgument

        init(from decoder: any Decoder) throws {
            switch try ExactJSON(from: decoder) {
            case .null: value = .null
            case .bool(let flag): value = .bool(flag)
            case .integer(let number): value = .integer(number)
            case .number(let number): value = .number(number)
            case .string(let text): value = .string(text)
            case let tree:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                value = .json(String(decoding: try encoder.encode(tree), as: UTF8.self))
            }
        }
    }

    /// Any JSON value, read (and an array or object written again) without losing 64-bit integers to `Double`.
    indirect enum ExactJSON: Codable {
        case null, bool(Bool), integer(Int64), number(Double), string(String)
        case array([ExactJSON]), object([String: ExactJSON])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let flag = try? container.decode(Bool.self) {
                self = .bool(flag)
            } else if let number = try? container.decode(Int64.self) {
                self = .integer(number)
            } else if let number = try? container.decode(Double.self) {
                self = .number(number)
            } else if let text = try? container.decode(String.self) {
                self = .string(text)
            } else if let items = try? container.decode([ExactJSON].self) {
                self = .array(items)
            } else {
                self = .object(try container.decode([String: ExactJSON].self))
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .null: try container.encodeNil()
            case .bool(let flag): try container.encode(flag)
            case .integer(let number): try container.encode(number)
            case .number(let number): try container.encode(number)
            case .string(let text): try container.encode(text)
            case .array(let items): try container.encode(items)
            case .object(let members): try container.encode(members)
            }
        }
    }

    /// `{"rows": [{column: value}]}`: integers and reals as numbers (a non-finite real as the string PostgreSQL
    /// writes for it), text as strings, NULL as null, blobs as base64 strings.
    struct RowsBody: Encodable {
        let rows: [Row]

        struct Key: CodingKey {
            let stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }

        struct RowBody: Encodable {
            let row: Row

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Key.self)
                for (column, value) in zip(row.columns, row.values) {
                    let key = Key(stringValue: column)
                    switch value {
                    case .null: try container.encodeNil(forKey: key)
                    case .integer(let number): try container.encode(number, forKey: key)
                    case .real(let number) where number.isFinite: try container.encode(number, forKey: key)
                    case .real(let number):
                        try container.encode(number.isNaN ? "NaN" : number > 0 ? "Infinity" : "-Infinity", forKey: key)
                    case .text(let text): try container.encode(text, forKey: key)
                    case .blob(let bytes): try container.encode(Data(bytes).base64EncodedString(), forKey: key)
                    }
                }
            }
        }

        enum CodingKeys: String, CodingKey { case rows }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(rows.map(RowBody.init), forKey: .rows)
        }
    }
}
