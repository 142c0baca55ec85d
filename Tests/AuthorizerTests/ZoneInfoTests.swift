import AuthHandlers
import Foundation
import Testing

/// Gatehouse's TZif reader against Python's zoneinfo reading the same files (`Tests/policy/zones.py`).
@Suite struct ZoneInfoTests {
    struct Offsets: Decodable {
        struct Zone: Decodable {
            let zone: String
            /// `[instant, offset]` pairs, seconds.
            let samples: [[Int64]]
        }
        let tzdata: String
        let zones: [Zone]
    }

    @Test("offsets agree with Python's zoneinfo at every transition from 1970 to 2060 and at random instants 1900-2100")
    func offsets() throws {
        let fixture: Offsets = try fixture("zone-offsets.json")
        // Another tzdata release may have changed a zone's rules (Morocco's, Greenland's); these have long been
        // settled, so they are checked whatever the version.
        let settled: Set = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC", "Etc/GMT+5"]
        let sameData = Self.systemVersion() == fixture.tzdata
        var checked = 0
        for zone in fixture.zones where sameData || settled.contains(zone.zone) {
            let info = try ZoneInfo.load(zone.zone)
            for sample in zone.samples {
                let ours = info.offset(at: sample[0])
                #expect(
                    Int64(ours) == sample[1],
                    "\(zone.zone) at \(sample[0]): Gatehouse \(ours), zoneinfo \(sample[1]) (tzdata \(fixture.tzdata))")
                checked += 1
            }
        }
        #expect(checked > (sameData ? 5000 : 2000))
    }

    /// The version line of the system's `tzdata.zi` ("# version 2025b").
    static func systemVersion() -> String? {
        guard let text = try? String(contentsOfFile: "/usr/share/zoneinfo/tzdata.zi", encoding: .utf8) else { return nil }
        let words = text.prefix(40).split(whereSeparator: \.isWhitespace)
        return words.count >= 3 && words[1] == "version" ? String(words[2]) : nil
    }

    @Test("the next transition is where the offset changes")
    func nextTransition() throws {
        let berlin = try ZoneInfo.load("Europe/Berlin")
        // 2026-03-29T01:00Z, 2026-10-25T01:00Z, and past the file's table, 2040-03-25T01:00Z.
        #expect(berlin.nextTransition(after: 1_767_225_600) == 1_774_746_000)
        #expect(berlin.nextTransition(after: 1_774_746_000) == 1_792_890_000)
        #expect(berlin.nextTransition(after: 2_208_988_800) == 2_216_250_000)
        #expect(try ZoneInfo.load("UTC").nextTransition(after: 0) == nil)
    }

    @Test("names must be IANA zone names present in the database", arguments: ["Mars/Olympus", "../x", "/etc/passwd", "posixrules", "Europe/", "", "Europe/Berlin/x"])
    func unknown(name: String) {
        #expect(throws: ZoneInfo.LoadError.self) { try ZoneInfo.load(name) }
    }
}
