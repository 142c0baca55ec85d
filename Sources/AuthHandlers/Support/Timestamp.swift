#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// RFC 3339 UTC timestamps as API.md writes them in bodies (`2026-11-22T16:30:05Z`).
public enum Timestamp {
    public static func string(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: false))
    }
}
