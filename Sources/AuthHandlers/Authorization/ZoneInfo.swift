#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The UTC offsets of one IANA time zone, read from the system's tz database (TZif files, RFC 8536, under
/// `/usr/share/zoneinfo`), so that assignment rules follow the tzdata the system updates. `FoundationEssentials`
/// cannot load zones by name, and the full `Foundation` costs some 45 MB of binary and brings ICU's own copy of
/// the data (FACTS.md), so Gatehouse reads the files itself: transitions from the 64-bit table, and after the
/// last one the POSIX TZ rule of the file's footer (``PosixTimeZone``).
package struct ZoneInfo: Sendable, Equatable {
    let identifier: String
    /// Transition instants (seconds since 1970), ascending, and the offset in seconds that starts at each.
    let transitions: [Int64]
    let offsets: [Int32]
    /// The offset before the first transition (RFC 8536: time type 0).
    let initialOffset: Int32
    /// What follows the last transition; nil when the file has no footer rule.
    let rule: PosixTimeZone?

    static let directory = "/usr/share/zoneinfo"

    package struct LoadError: Error {
        let message: String
    }

    /// Whether `identifier` looks like an IANA zone name (`Europe/Berlin`, `UTC`, `Etc/GMT+5`): components that
    /// start with a capital letter, of letters, digits, `_`, `+` and `-`; never a path of its own.
    static func isWellFormed(_ identifier: String) -> Bool {
        guard !identifier.isEmpty, identifier.utf8.count <= 64 else { return false }
        let components = identifier.split(separator: "/", omittingEmptySubsequences: false)
        return components.allSatisfy { component in
            guard let first = component.unicodeScalars.first, ("A"..."Z").contains(first) else { return false }
            return component.unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_+-".unicodeScalars.contains($0))
            }
        }
    }

    /// The zone named `identifier` from `directory`.
    package static func load(_ identifier: String, directory: String = directory) throws(LoadError) -> ZoneInfo {
        guard isWellFormed(identifier) else { throw LoadError(message: "is not an IANA time zone name") }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + identifier))
        } catch {
            throw LoadError(message: "is not a time zone in the system's tz database")
        }
        guard let zone = parse([UInt8](data), identifier: identifier) else {
            throw LoadError(message: "is not a time zone in the system's tz database")
        }
        return zone
    }

    /// A TZif file, version 1 (32-bit table) or 2 and later (64-bit table and footer); nil when malformed.
    static func parse(_ bytes: [UInt8], identifier: String) -> ZoneInfo? {
        var reader = ByteReader(bytes: bytes)
        guard let header = reader.header() else { return nil }
        var counts = header.counts
        var timeSize = 4
        if header.version >= 2 {
            // Skip the version 1 block; the 64-bit one follows with its own header.
            guard reader.skip(counts.v1BlockSize), let second = reader.header() else { return nil }
            counts = second.counts
            timeSize = 8
        }
        guard counts.types > 0, let times = reader.integers(counts.transitions, size: timeSize),
            let indices = reader.bytes(counts.transitions)
        else { return nil }
        var typeOffsets: [Int32] = []
        for _ in 0..<counts.types {
            guard let offset = reader.integers(1, size: 4)?.first, reader.skip(2) else { return nil }
            typeOffsets.append(Int32(truncatingIfNeeded: offset))
        }
        guard indices.allSatisfy({ Int($0) < typeOffsets.count }),
            reader.skip(counts.chars + counts.leaps * (timeSize + 4) + counts.standardFlags + counts.utFlags)
        else { return nil }
        var rule: PosixTimeZone?
        if header.version >= 2, let footer = reader.footer(), !footer.isEmpty {
            guard let parsed = PosixTimeZone(footer) else { return nil }
            rule = parsed
        }
        return ZoneInfo(
            identifier: identifier, transitions: times, offsets: indices.map { typeOffsets[Int($0)] },
            initialOffset: typeOffsets[0], rule: rule)
    }

    /// The offset from UTC, in seconds, at instant `time` (seconds since 1970).
    package func offset(at time: Int64) -> Int32 {
        if let last = transitions.last, time >= last, let rule {
            return rule.offset(at: time)
        }
        // The last transition at or before `time`.
        var low = 0
        var high = transitions.count
        while low < high {
            let middle = (low + high) / 2
            if transitions[middle] <= time { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? initialOffset : offsets[low - 1]
    }

    /// The first instant after `time` at which the offset may change; nil when it never does again.
    package func nextTransition(after time: Int64) -> Int64? {
        if let next = transitions.first(where: { $0 > time }) { return next }
        return rule?.nextTransition(after: max(time, transitions.last ?? time))
    }
}

/// Big-endian reading of a TZif file.
private struct ByteReader {
    let bytes: [UInt8]
    var position = 0

    struct Counts {
        let utFlags, standardFlags, leaps, transitions, types, chars: Int
        var v1BlockSize: Int { transitions * 5 + types * 6 + chars + leaps * 8 + standardFlags + utFlags }
    }

    mutating func header() -> (version: Int, counts: Counts)? {
        guard position + 44 <= bytes.count, Array(bytes[position..<position + 4]) == Array("TZif".utf8) else {
            return nil
        }
        let versionByte = bytes[position + 4]
        let version = versionByte == 0 ? 1 : Int(versionByte) - 0x30
        position += 20
        guard let c = integers(6, size: 4), c.allSatisfy({ $0 >= 0 && $0 < 1 << 20 }) else { return nil }
        let n = c.map { Int($0) }
        return (version, Counts(utFlags: n[0], standardFlags: n[1], leaps: n[2], transitions: n[3], types: n[4], chars: n[5]))
    }

    mutating func integers(_ count: Int, size: Int) -> [Int64]? {
        guard count >= 0, position + count * size <= bytes.count else { return nil }
        var values: [Int64] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            var value: UInt64 = 0
            for byte in bytes[position..<position + size] { value = value << 8 | UInt64(byte) }
            position += size
            values.append(size == 4 ? Int64(Int32(truncatingIfNeeded: value)) : Int64(bitPattern: value))
        }
        return values
    }

    mutating func bytes(_ count: Int) -> [UInt8]? {
        guard position + count <= bytes.count else { return nil }
        defer { position += count }
        return Array(bytes[position..<position + count])
    }

    mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, position + count <= bytes.count else { return false }
        position += count
        return true
    }

    /// The text between the newlines that end a version 2+ file.
    mutating func footer() -> String? {
        guard position < bytes.count, bytes[position] == 0x0A,
            let end = bytes[(position + 1)...].firstIndex(of: 0x0A)
        else { return nil }
        return String(decoding: bytes[(position + 1)..<end], as: UTF8.self)
    }
}
