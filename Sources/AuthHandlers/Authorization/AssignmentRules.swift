#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import FCGIHost

/// An assignment's business rules (API.md "Assignments"), parsed and checked:
/// `{"hours": {"tz": "Europe/Berlin", "days": ["mon", …], "from": "09:00", "to": "18:00"},
/// "cidrs": ["10.20.0.0/16", …], "devices": ["<device id>", …]}`. Every rule is optional; an empty object
/// allows everything. Errors name the field: `rules.hours.tz`, `rules.cidrs[2]` (N counted from 1, as `lines[N]`).
///
/// ```swift
/// let rules = try AssignmentRules(text: assignment.rules)
/// if let denial = rules.check(at: now, address: clientAddress, deviceId: claims.did) { … 403 rule_denied … }
/// ```
public struct AssignmentRules: Sendable, Equatable {
    /// A weekly time window in one time zone's wall-clock time.
    public struct Hours: Sendable, Equatable {
        /// The IANA name, as given.
        public let timeZone: String
        /// The days a window starts on, 0 Sunday ... 6 Saturday.
        public let days: Set<Int>
        /// Minutes after local midnight: `from` 0..<1440, `to` 1...1440 (`"24:00"`), never equal. When `to` is
        /// not after `from`, the window crosses midnight and ends on the next day.
        public let from: Int
        /// See ``from``.
        public let to: Int
        let zone: ZoneInfo

        static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
    }

    /// The weekly window, or nil for any time.
    public let hours: Hours?
    /// The address blocks allowed, or nil for any address.
    public let cidrs: [CIDR]?
    /// The blocks as written, for the stored form.
    let cidrTexts: [String]?
    /// The device ids allowed, or nil for any device (or none).
    public let devices: [String]?

    /// At most this many CIDRs and devices each.
    public static let maxListCount = 100
    /// The longest device id, in UTF-8 bytes.
    public static let maxDeviceIdBytes = 128

    /// No rule: allows everything.
    public init() {
        hours = nil
        cidrs = nil
        cidrTexts = nil
        devices = nil
    }

    /// The rules stored as JSON text (the `assignments.rules` column).
    /// - Throws: ``AuthorizationError/invalidRules`` naming each bad field.
    public init(text: String) throws(AuthorizationError) {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else {
            throw AuthorizationError(kind: .invalidRules, problems: [.init(field: "rules", message: "is not JSON")])
        }
        try self.init(json: value)
    }

    /// The rules of a request body's `rules` member.
    /// - Throws: ``AuthorizationError/invalidRules`` naming each bad field.
    public init(json: JSONValue, zoneDirectory: String = "/usr/share/zoneinfo") throws(AuthorizationError) {
        var problems: [AuthorizationError.Problem] = []
        func problem(_ field: String, _ message: String) { problems.append(.init(field: "rules" + field, message: message)) }
        guard case .object(let members) = json else {
            throw AuthorizationError(kind: .invalidRules, problems: [.init(field: "rules", message: "must be an object")])
        }
        for key in members.keys.sorted() where !["hours", "cidrs", "devices"].contains(key) {
            problem(".\(key)", "is not a rule (expected hours, cidrs or devices)")
        }
        var hours: Hours?
        if let value = members["hours"] {
            hours = Self.hours(value, zoneDirectory: zoneDirectory, problem: problem)
        }
        var cidrs: [(CIDR, String)]?
        if let value = members["cidrs"] {
            cidrs = Self.list(value, field: ".cidrs", problem: problem) { item, field in
                guard case .string(let text) = item, let cidr = CIDR(text) else {
                    problem(field, "must be an address block such as 10.20.0.0/16 or 2001:db8::/32")
                    return nil
                }
                return (cidr, text)
            }
        }
        var devices: [String]?
        if let value = members["devices"] {
            devices = Self.list(value, field: ".devices", problem: problem) { item, field in
                guard case .string(let text) = item, !text.isEmpty, text.utf8.count <= Self.maxDeviceIdBytes else {
                    problem(field, "must be a device id of 1 to \(Self.maxDeviceIdBytes) bytes")
                    return nil
                }
                return text
            }
        }
        guard problems.isEmpty else { throw AuthorizationError(kind: .invalidRules, problems: problems) }
        self.hours = hours
        self.cidrs = cidrs?.map(\.0)
        self.cidrTexts = cidrs?.map(\.1)
        self.devices = devices
    }

    private static func list<T>(
        _ value: JSONValue, field: String, problem: (String, String) -> Void, item: (JSONValue, String) -> T?
    ) -> [T]? {
        guard case .array(let items) = value, !items.isEmpty, items.count <= maxListCount else {
            problem(field, "must be a list of 1 to \(maxListCount) entries (leave it out to allow any)")
            return nil
        }
        let parsed = items.enumerated().map { item($1, "\(field)[\($0 + 1)]") }
        return parsed.contains { $0 == nil } ? nil : parsed.compactMap { $0 }
    }

    private static func hours(_ value: JSONValue, zoneDirectory: String, problem: (String, String) -> Void) -> Hours? {
        guard case .object(let members) = value else {
            problem(".hours", "must be an object with tz, days, from and to")
            return nil
        }
        for key in members.keys.sorted() where !["tz", "days", "from", "to"].contains(key) {
            problem(".hours.\(key)", "is not a field of hours (expected tz, days, from and to)")
        }
        var zone: ZoneInfo?
        switch members["tz"] {
        case .string(let name)?:
            do {
                zone = try ZoneInfo.load(name, directory: zoneDirectory)
            } catch {
                problem(".hours.tz", "\"\(name.prefix(64))\" \(error.message)")
            }
        case nil: problem(".hours.tz", "is required: an IANA time zone such as Europe/Berlin")
        default: problem(".hours.tz", "must be a string: an IANA time zone such as Europe/Berlin")
        }
        var days: Set<Int>? = Set(0..<7)
        if let value = members["days"] {
            days = list(value, field: ".hours.days", problem: problem) { item, field in
                guard case .string(let name) = item, let day = Hours.dayNames.firstIndex(of: name.lowercased()) else {
                    problem(field, "must be one of mon, tue, wed, thu, fri, sat, sun")
                    return nil
                }
                return day
            }.map(Set.init)
        }
        let from = clock(members["from"], field: ".hours.from", allowsMidnightEnd: false, problem: problem)
        let to = clock(members["to"], field: ".hours.to", allowsMidnightEnd: true, problem: problem)
        if let from, let to, from == to {
            problem(".hours.to", "must differ from from (00:00 to 24:00 is the whole day)")
            return nil
        }
        guard let zone, let days, let from, let to, case .string(let name)? = members["tz"] else { return nil }
        return Hours(timeZone: name, days: days, from: from, to: to, zone: zone)
    }

    /// `"HH:MM"` as minutes after midnight; `"24:00"` only where a window may end at midnight.
    private static func clock(
        _ value: JSONValue?, field: String, allowsMidnightEnd: Bool, problem: (String, String) -> Void
    ) -> Int? {
        let message = allowsMidnightEnd ? "must be a time HH:MM from 00:00 to 24:00" : "must be a time HH:MM from 00:00 to 23:59"
        guard case .string(let text)? = value else {
            problem(field, value == nil ? "is required: \(message)" : message)
            return nil
        }
        let digits = Array(text.utf8)
        guard digits.count == 5, digits[2] == UInt8(ascii: ":"),
            digits.enumerated().allSatisfy({ $0.offset == 2 || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0.element) })
        else {
            problem(field, message)
            return nil
        }
        let hour = Int(digits[0] - 48) * 10 + Int(digits[1] - 48)
        let minute = Int(digits[3] - 48) * 10 + Int(digits[4] - 48)
        guard minute < 60, hour < 24 || (allowsMidnightEnd && hour == 24 && minute == 0) else {
            problem(field, message)
            return nil
        }
        return hour * 60 + minute
    }

    /// Whether there is no rule at all.
    public var isEmpty: Bool { hours == nil && cidrs == nil && devices == nil }

    /// The rules in their stored form: days as names from Monday, times as `HH:MM`, CIDRs as given.
    public var json: JSONValue {
        var members: [String: JSONValue] = [:]
        if let hours {
            let order = [1, 2, 3, 4, 5, 6, 0].filter(hours.days.contains)
            members["hours"] = .object([
                "tz": .string(hours.timeZone), "days": .array(order.map { .string(Hours.dayNames[$0]) }),
                "from": .string(Hours.clockText(hours.from)), "to": .string(Hours.clockText(hours.to)),
            ])
        }
        if let cidrTexts { members["cidrs"] = .array(cidrTexts.map { .string($0) }) }
        if let devices { members["devices"] = .array(devices.map { .string($0) }) }
        return .object(members)
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.json == b.json
    }
}

extension AssignmentRules.Hours {
    static func clockText(_ minutes: Int) -> String {
        let hour = minutes / 60
        let minute = minutes % 60
        return (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.timeZone == b.timeZone && a.days == b.days && a.from == b.from && a.to == b.to
    }
}
