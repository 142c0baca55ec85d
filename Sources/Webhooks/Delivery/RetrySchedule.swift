#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
import FCGIHost

/// When a failed delivery is tried again (API.md): the configured delays with ±10 % jitter, or the receiver's
/// `Retry-After` (seconds or an HTTP date) when that is later, never more than 24 h ahead; nil after the last delay.
public struct RetrySchedule: Sendable {
    /// Seconds after attempt 1, 2, … before the next one.
    public let delays: [Int]
    public static let cap: TimeInterval = 86_400

    public init(delays: [Int]) {
        self.delays = delays
    }

    /// The time of the attempt after attempt number `attempt` (from 1) failed at `now`, or nil to give up.
    /// - Parameter jitter: a number in -1...1 (random by default) scaling the ±10 %.
    public func nextAttempt(
        after attempt: Int, retryAfter: String?, now: Date, jitter: Double = Double.random(in: -1...1)
    ) -> Date? {
        guard attempt >= 1, attempt <= delays.count else { return nil }
        let base = TimeInterval(delays[attempt - 1])
        var delay = base + base * 0.1 * jitter
        if let retryAfter, let wanted = Self.parseRetryAfter(retryAfter, now: now) { delay = max(delay, wanted) }
        return now.addingTimeInterval(min(Self.cap, max(0, delay)))
    }

    /// `Retry-After` as seconds from `now`: delta-seconds, or an IMF-fixdate (RFC 9110 §10.2.3); nil otherwise.
    public static func parseRetryAfter(_ value: String, now: Date) -> TimeInterval? {
        let text = value.trimmingWhitespace()
        if !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) {
            return Double(text).map { min($0, cap) }
        }
        // "Sun, 06 Nov 1994 08:49:37 GMT"
        let parts = text.split(separator: " ")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]),
            let month = months.firstIndex(of: String(parts[2])), let year = Int(parts[3])
        else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3, (1...31).contains(day), (1970...9999).contains(year), clock[0] < 24, clock[1] < 60,
            clock[2] < 61
        else { return nil }
        let seconds = daysFromCivil(year: year, month: month + 1, day: day) * 86_400 + clock[0] * 3600 + clock[1] * 60
            + clock[2]
        return TimeInterval(seconds) - now.timeIntervalSince1970
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
