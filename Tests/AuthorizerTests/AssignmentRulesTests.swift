import AuthHandlers
import FCGIHost
import Foundation
import Testing

/// An instant written as UTC, `"2026-03-29T00:30"`.
func utc(_ text: String) -> Date {
    let n = text.split(whereSeparator: { "-T:".contains($0) }).map { Int($0)! }
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(secondsFromGMT: 0)!
    return calendar.date(from: DateComponents(year: n[0], month: n[1], day: n[2], hour: n[3], minute: n[4]))!
}

func rules(_ json: String) throws -> AssignmentRules {
    try AssignmentRules(text: json)
}

func hoursRule(_ from: String, _ to: String, days: [String], tz: String = "Europe/Berlin") throws -> AssignmentRules {
    let list = days.map { "\"\($0)\"" }.joined(separator: ",")
    return try rules(#"{"hours": {"tz": "\#(tz)", "days": [\#(list)], "from": "\#(from)", "to": "\#(to)"}}"#)
}

extension AssignmentRules {
    func open(_ text: String) -> Bool {
        check(at: utc(text), address: "10.0.0.1", deviceId: nil) == nil
    }
}

@Suite struct AssignmentRulesTests {
    @Test("office hours in Berlin follow its wall clock in winter and summer")
    func officeHours() throws {
        let office = try hoursRule("09:00", "18:00", days: ["mon", "tue", "wed", "thu", "fri"])
        // Winter, CET (UTC+1): Monday 2026-01-05.
        #expect(!office.open("2026-01-05T07:59"))
        #expect(office.open("2026-01-05T08:00"))
        #expect(office.open("2026-01-05T16:59"))
        #expect(!office.open("2026-01-05T17:00"))
        // Summer, CEST (UTC+2): Monday 2026-03-30, the day after the change.
        #expect(!office.open("2026-03-30T06:59"))
        #expect(office.open("2026-03-30T07:00"))
        #expect(office.open("2026-03-30T15:59"))
        #expect(!office.open("2026-03-30T16:00"))
        // Saturday.
        #expect(!office.open("2026-01-10T10:00"))
        let denial = office.check(at: utc("2026-01-10T10:00"), address: "10.0.0.1", deviceId: nil)
        #expect(denial?.rule == .hours)
        #expect(denial?.detail == "Outside the allowed hours (mon,tue,wed,thu,fri 09:00–18:00 Europe/Berlin).")
        // A token issued at 17:59 stops working at 18:00.
        #expect(office.hoursWindowEnd(after: utc("2026-01-05T16:59")) == utc("2026-01-05T17:00"))
        #expect(office.hoursWindowEnd(after: utc("2026-03-30T15:59")) == utc("2026-03-30T16:00"))
        #expect(office.hoursWindowEnd(after: utc("2026-01-10T10:00")) == utc("2026-01-10T10:00"))
    }

    @Test("a night window crosses midnight and belongs to the day it starts on")
    func nightShift() throws {
        let night = try hoursRule("22:00", "06:00", days: ["fri"])
        #expect(!night.open("2026-01-09T20:59"))  // Friday 21:59 CET
        #expect(night.open("2026-01-09T21:00"))  // Friday 22:00
        #expect(night.open("2026-01-10T04:59"))  // Saturday 05:59, Friday's window
        #expect(!night.open("2026-01-10T05:00"))  // Saturday 06:00
        #expect(!night.open("2026-01-10T21:00"))  // Saturday 22:00: Saturday is not listed
        #expect(!night.open("2026-01-09T04:00"))  // Friday 05:00: Thursday's window, not listed
        #expect(night.hoursWindowEnd(after: utc("2026-01-09T21:00")) == utc("2026-01-10T05:00"))
        #expect(night.hoursWindowEnd(after: utc("2026-01-10T03:00")) == utc("2026-01-10T05:00"))
        let allDay = try hoursRule("00:00", "24:00", days: ["sun"])
        #expect(allDay.open("2026-01-10T23:00"))  // Sunday 00:00 CET
        #expect(!allDay.open("2026-01-11T23:00"))  // Monday 00:00
        #expect(allDay.hoursWindowEnd(after: utc("2026-01-11T12:00")) == utc("2026-01-11T23:00"))
    }

    @Test("on the March change (Berlin, 2026-03-29, 02:00 CET becomes 03:00 CEST) the skipped hour is never open")
    func springForward() throws {
        let skipped = try hoursRule("02:00", "03:00", days: ["sun"])
        for minute in stride(from: 0, to: 240, by: 1) {
            let instant = utc("2026-03-28T23:00").addingTimeInterval(TimeInterval(minute * 60))
            #expect(skipped.check(at: instant, address: "", deviceId: nil) != nil, "open at \(instant)")
        }
        // 01:30-02:30 CET: open from 01:30 CET until the jump to 03:00 CEST, half an hour.
        let early = try hoursRule("01:30", "02:30", days: ["sun"])
        #expect(!early.open("2026-03-29T00:29"))
        #expect(early.open("2026-03-29T00:30"))
        #expect(early.open("2026-03-29T00:59"))
        #expect(!early.open("2026-03-29T01:00"))
        #expect(early.hoursWindowEnd(after: utc("2026-03-29T00:30")) == utc("2026-03-29T01:00"))
        // 02:30-03:30: opens at the jump (03:00 CEST), closes at 03:30 CEST.
        let late = try hoursRule("02:30", "03:30", days: ["sun"])
        #expect(!late.open("2026-03-29T00:59"))
        #expect(late.open("2026-03-29T01:00"))
        #expect(late.open("2026-03-29T01:29"))
        #expect(!late.open("2026-03-29T01:30"))
        #expect(late.hoursWindowEnd(after: utc("2026-03-29T01:00")) == utc("2026-03-29T01:30"))
    }

    @Test("on the October change (Berlin, 2026-10-25, 03:00 CEST becomes 02:00 CET) the repeated hour is open twice")
    func fallBack() throws {
        let repeated = try hoursRule("02:00", "02:30", days: ["sun"])
        #expect(!repeated.open("2026-10-24T23:59"))  // 01:59 CEST
        #expect(repeated.open("2026-10-25T00:00"))  // 02:00 CEST
        #expect(!repeated.open("2026-10-25T00:30"))  // 02:30 CEST
        #expect(repeated.open("2026-10-25T01:00"))  // 02:00 CET
        #expect(repeated.open("2026-10-25T01:29"))
        #expect(!repeated.open("2026-10-25T01:30"))
        #expect(repeated.hoursWindowEnd(after: utc("2026-10-25T00:10")) == utc("2026-10-25T00:30"))
        #expect(repeated.hoursWindowEnd(after: utc("2026-10-25T01:10")) == utc("2026-10-25T01:30"))
        // 01:00-03:00 on that day lasts three hours: it closes at 03:00 CET.
        let long = try hoursRule("01:00", "03:00", days: ["sun"])
        #expect(long.open("2026-10-24T23:00"))
        #expect(long.open("2026-10-25T01:59"))
        #expect(!long.open("2026-10-25T02:00"))
        #expect(long.hoursWindowEnd(after: utc("2026-10-24T23:30")) == utc("2026-10-25T02:00"))
    }

    @Test("past the transitions listed in the tz file, its rule carries on (Berlin, 2040-03-25 and 2040-10-28)")
    func futureRule() throws {
        let early = try hoursRule("01:30", "02:30", days: ["sun"])
        #expect(early.open("2040-03-25T00:59"))
        #expect(!early.open("2040-03-25T01:00"))
        #expect(early.hoursWindowEnd(after: utc("2040-03-25T00:40")) == utc("2040-03-25T01:00"))
        let repeated = try hoursRule("02:00", "02:30", days: ["sun"])
        #expect(repeated.open("2040-10-28T00:00"))
        #expect(!repeated.open("2040-10-28T00:30"))
        #expect(repeated.open("2040-10-28T01:00"))
        let office = try hoursRule("09:00", "18:00", days: ["mon"])
        #expect(office.open("2040-07-02T07:00"))  // Monday 09:00 CEST
        #expect(!office.open("2040-07-02T06:59"))
    }

    @Test("other zones: New York, Sydney (summer in January), Kolkata (half-hour offset), UTC")
    func otherZones() throws {
        #expect(try hoursRule("09:00", "17:00", days: ["mon"], tz: "America/New_York").open("2026-01-05T14:00"))
        #expect(try !hoursRule("09:00", "17:00", days: ["mon"], tz: "America/New_York").open("2026-01-05T13:59"))
        #expect(try hoursRule("09:00", "17:00", days: ["mon"], tz: "America/New_York").open("2026-07-06T13:00"))
        #expect(try hoursRule("09:00", "17:00", days: ["mon"], tz: "Australia/Sydney").open("2026-01-04T22:00"))
        #expect(try hoursRule("09:00", "17:00", days: ["mon"], tz: "Australia/Sydney").open("2026-07-05T23:00"))
        #expect(try !hoursRule("09:00", "17:00", days: ["mon"], tz: "Australia/Sydney").open("2026-07-05T22:59"))
        #expect(try hoursRule("09:00", "17:00", days: ["mon"], tz: "Asia/Kolkata").open("2026-01-05T03:30"))
        #expect(try !hoursRule("09:00", "17:00", days: ["mon"], tz: "Asia/Kolkata").open("2026-01-05T03:29"))
        #expect(try hoursRule("09:00", "17:00", days: ["mon"], tz: "UTC").open("2026-01-05T09:00"))
    }

    @Test("CIDRs and devices fail closed")
    func networksAndDevices() throws {
        let limited = try rules(#"{"cidrs": ["10.20.0.0/16", "2001:db8::/32"], "devices": ["dev-1"]}"#)
        let now = utc("2026-01-05T10:00")
        #expect(limited.check(at: now, address: "10.20.3.4", deviceId: "dev-1") == nil)
        #expect(limited.check(at: now, address: "2001:db8::1", deviceId: "dev-1") == nil)
        #expect(limited.check(at: now, address: "::ffff:10.20.0.9", deviceId: "dev-1") == nil)
        #expect(limited.check(at: now, address: "10.21.0.1", deviceId: "dev-1")?.rule == .cidrs)
        #expect(limited.check(at: now, address: "not an address", deviceId: "dev-1")?.rule == .cidrs)
        #expect(limited.check(at: now, address: "10.20.3.4", deviceId: "dev-2")?.rule == .devices)
        #expect(limited.check(at: now, address: "10.20.3.4", deviceId: nil)?.rule == .devices)
        #expect(limited.hoursWindowEnd(after: now) == nil)
    }

    @Test("an empty object allows everything")
    func empty() throws {
        let none = try rules("{}")
        #expect(none.isEmpty)
        #expect(none.check(at: utc("2026-01-05T10:00"), address: "garbage", deviceId: nil) == nil)
        #expect(none == AssignmentRules())
    }

    @Test("the stored form is normalised")
    func storedForm() throws {
        let stored = try rules(#"{"hours": {"tz": "Europe/Berlin", "days": ["SUN", "mon"], "from": "22:00", "to": "06:00"}, "cidrs": ["10.0.0.0/8", "2001:db8::/32"]}"#)
        #expect(
            stored.json
                == .object([
                    "hours": .object([
                        "tz": .string("Europe/Berlin"), "days": .array([.string("mon"), .string("sun")]),
                        "from": .string("22:00"), "to": .string("06:00"),
                    ]),
                    "cidrs": .array([.string("10.0.0.0/8"), .string("2001:db8::/32")]),
                ]))
        #expect(try AssignmentRules(json: stored.json) == stored)
        let allWeek = try rules(#"{"hours": {"tz": "UTC", "from": "08:00", "to": "09:00"}}"#)
        #expect(allWeek.hours?.days.count == 7)
    }

    @Test(
        "bad rules are errors naming the field",
        arguments: [
            (#"{"hours": {"tz": "Mars/Olympus", "from": "09:00", "to": "18:00"}}"#, "rules.hours.tz", "not a time zone in the system's tz database"),
            (#"{"hours": {"tz": "../../etc/passwd", "from": "09:00", "to": "18:00"}}"#, "rules.hours.tz", "not an IANA time zone name"),
            (#"{"hours": {"tz": "posixrules", "from": "09:00", "to": "18:00"}}"#, "rules.hours.tz", "not an IANA time zone name"),
            (#"{"hours": {"from": "09:00", "to": "18:00"}}"#, "rules.hours.tz", "is required"),
            (#"{"hours": {"tz": "UTC", "from": "9:00", "to": "18:00"}}"#, "rules.hours.from", "HH:MM"),
            (#"{"hours": {"tz": "UTC", "from": "24:00", "to": "18:00"}}"#, "rules.hours.from", "to 23:59"),
            (#"{"hours": {"tz": "UTC", "from": "09:00", "to": "18:60"}}"#, "rules.hours.to", "HH:MM"),
            (#"{"hours": {"tz": "UTC", "from": "09:00", "to": "09:00"}}"#, "rules.hours.to", "must differ"),
            (#"{"hours": {"tz": "UTC", "days": ["mon", "funday"], "from": "09:00", "to": "18:00"}}"#, "rules.hours.days[2]", "one of mon"),
            (#"{"hours": {"tz": "UTC", "days": [], "from": "09:00", "to": "18:00"}}"#, "rules.hours.days", "1 to 100"),
            (#"{"hours": {"tz": "UTC", "from": "09:00", "to": "18:00", "weeks": 2}}"#, "rules.hours.weeks", "not a field of hours"),
            (#"{"hours": "08-18"}"#, "rules.hours", "must be an object"),
            (#"{"cidrs": ["10.0.0.0/8", "10.0.0.0/33"]}"#, "rules.cidrs[2]", "address block"),
            (#"{"cidrs": "10.0.0.0/8"}"#, "rules.cidrs", "list"),
            (#"{"devices": [""]}"#, "rules.devices[1]", "device id"),
            (#"{"shift": "day"}"#, "rules.shift", "not a rule"),
            (#"[1]"#, "rules", "must be an object"),
            (#"{"#, "rules", "not JSON"),
        ])
    func invalid(json: String, field: String, message: String) throws {
        let error = #expect(throws: AuthorizationError.invalidRules) { try AssignmentRules(text: json) }
        #expect(error?.problems.first?.field == field, "\(String(describing: error))")
        #expect(error?.problems.first?.message.contains(message) == true, "\(String(describing: error))")
    }
}
