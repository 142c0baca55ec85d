#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A small stderr logger shaped like swift-log's: a label, a level, metadata with dotted keys.
/// One logfmt (or JSON) line per event, for journald.
public struct Logger: Sendable {
    public enum Level: Int, Sendable, Comparable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        public var name: String { "\(self)" }
        public init?(name: String) {
            guard let level = Level.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
            self = level
        }
    }

    public enum Format: String, Sendable { case logfmt, json }

    public typealias Metadata = [String: String]

    public let label: String
    public var logLevel: Level
    public var format: Format
    public var metadata: Metadata
    /// Where lines go; standard error unless a test captures them.
    let sink: @Sendable (String) -> Void

    public init(
        label: String, level: Level = .info, format: Format = .logfmt, metadata: Metadata = [:],
        sink: (@Sendable (String) -> Void)? = nil
    ) {
        self.label = label
        self.logLevel = level
        self.format = format
        self.metadata = metadata
        self.sink = sink ?? { StandardError.write($0) }
    }

    public func log(_ level: Level, _ message: String, metadata extra: Metadata = [:]) {
        guard level >= logLevel else { return }
        var fields: [(String, String)] = [
            ("ts", Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))), ("level", level.name), ("label", label), ("msg", message),
        ]
        let merged = metadata.merging(extra) { _, new in new }
        for key in merged.keys.sorted() { fields.append((key, merged[key]!)) }
        sink(Self.render(fields, format: format) + "\n")
    }

    public func trace(_ message: String, metadata: Metadata = [:]) { log(.trace, message, metadata: metadata) }
    public func debug(_ message: String, metadata: Metadata = [:]) { log(.debug, message, metadata: metadata) }
    public func info(_ message: String, metadata: Metadata = [:]) { log(.info, message, metadata: metadata) }
    public func notice(_ message: String, metadata: Metadata = [:]) { log(.notice, message, metadata: metadata) }
    public func warning(_ message: String, metadata: Metadata = [:]) { log(.warning, message, metadata: metadata) }
    public func error(_ message: String, metadata: Metadata = [:]) { log(.error, message, metadata: metadata) }
    public func critical(_ message: String, metadata: Metadata = [:]) { log(.critical, message, metadata: metadata) }

    static func render(_ fields: [(String, String)], format: Format) -> String {
        switch format {
        case .logfmt:
            return fields.map { "\($0.0)=\(logfmtValue($0.1))" }.joined(separator: " ")
        case .json:
            return "{" + fields.map { "\(jsonString($0.0)):\(jsonString($0.1))" }.joined(separator: ",") + "}"
        }
    }

    static func logfmtValue(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0.asciiValue.map { $0 < 0x20 } ?? false }
        return needsQuotes ? jsonString(value) : value
    }

    static func jsonString(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
