#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
import FCGIHost

extension AssignmentRules {
    /// The first rule that refuses a request at `date` from `address` (nginx's client address) with `deviceId`
    /// (`X-Device-Id`, or the token's `did`), or nil when all allow. Fails closed: an address that does not parse
    /// is in no block, and a missing device id is on no list.
    public func check(at date: Date = Date(), address: String, deviceId: String?) -> RuleDenial? {
        if let hours, !hours.isOpen(at: Self.seconds(date)) {
            return RuleDenial(rule: .hours, detail: "Outside the allowed hours (\(hours.summary)).")
        }
        if let cidrs, !cidrs.contains(address: address) {
            return RuleDenial(rule: .cidrs, detail: "Not allowed from this network address.")
        }
        if let devices, !(deviceId.map(devices.contains) ?? false) {
            return RuleDenial(rule: .devices, detail: "Not allowed from this device.")
        }
        return nil
    }

    /// When the hours window open at `date` closes: the first instant after `date` at which the local clock has
    /// left it (a window ending in a skipped hour ends at the jump). Nil when no hours rule limits time; `date`
    /// itself when the window is closed. A window may open again right after (adjacent days, or the repeated hour
    /// when clocks go back), so this is when to check again, not when access ends for good.
    public func hoursWindowEnd(after date: Date) -> Date? {
        guard let hours else { return nil }
        let time = Self.seconds(date)
        guard let end = hours.windowEnd(after: time) else { return date }
        return Date(timeIntervalSince1970: TimeInterval(end))
    }

    static func seconds(_ date: Date) -> Int64 {
        Int64(date.timeIntervalSince1970.rounded(.down))
    }
}

extension AssignmentRules.Hours {
    /// The local wall clock at `time`: days since 1970 and minute of the day.
    func local(_ time: Int64) -> (day: Int64, minute: Int) {
        let wall = time + Int64(zone.offset(at: time))
        let day = floorDivide(wall, 86400)
        return (day, Int((wall - day * 86400) / 60))
    }

    var crossesMidnight: Bool { to <= from }

    /// The local day the window open at `time` started on, or nil when none is open.
    func windowStart(at time: Int64) -> Int64? {
        let (day, minute) = local(time)
        let weekday = Int(CivilDate.weekday(days: day))
        if crossesMidnight {
            if minute >= from, days.contains(weekday) { return day }
            if minute < to, days.contains((weekday + 6) % 7) { return day - 1 }
            return nil
        }
        return minute >= from && minute < to && days.contains(weekday) ? day : nil
    }

    func isOpen(at time: Int64) -> Bool { windowStart(at: time) != nil }

    /// The first instant after `time` whose local clock shows the window's end or later; nil when closed.
    func windowEnd(after time: Int64) -> Int64? {
        guard let start = windowStart(at: time) else { return nil }
        let endWall = (start + (crossesMidnight ? 1 : 0)) * 86400 + Int64(to) * 60
        // Walk the offset's segments from `time`: within one, the wall clock is the instant plus its offset.
        var segmentStart = time
        var offset = Int64(zone.offset(at: time))
        for _ in 0..<8 {
            let next = zone.nextTransition(after: segmentStart)
            let candidate = max(endWall - offset, time + 1)
            if next == nil || candidate < next! { return candidate }
            segmentStart = next!
            offset = Int64(zone.offset(at: segmentStart))
            if segmentStart + offset >= endWall { return segmentStart }  // the clock jumped past the end
        }
        return endWall - offset
    }

    /// `mon–fri 09:00–18:00 Europe/Berlin`.
    var summary: String {
        let order = [1, 2, 3, 4, 5, 6, 0].filter(days.contains).map { Self.dayNames[$0] }
        return "\(order.joined(separator: ",")) \(Self.clockText(from))–\(Self.clockText(to)) \(timeZone)"
    }
}
