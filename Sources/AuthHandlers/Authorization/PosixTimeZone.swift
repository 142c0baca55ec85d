/// A POSIX TZ rule such as `CET-1CEST,M3.5.0,M10.5.0/3`, the footer of a TZif file that says what follows
/// its last transition (RFC 8536 section 3.3, POSIX.1-2017 section 8.3, with RFC 8536's extensions: hours in
/// transition times from -167 to 167).
struct PosixTimeZone: Sendable, Equatable {
    /// Seconds east of UTC (POSIX writes them west, with the sign inverted).
    let standardOffset: Int32
    let daylight: Daylight?

    struct Daylight: Sendable, Equatable {
        let offset: Int32
        let start: Rule
        let end: Rule
    }

    /// A day of the year and a local time of day, in seconds (may be negative or past 24 h).
    struct Rule: Sendable, Equatable {
        enum Day: Sendable, Equatable {
            /// `Jn`: day 1...365, February 29 never counted.
            case julian(Int)
            /// `n`: day 0...365, February 29 counted.
            case zeroBased(Int)
            /// `Mm.w.d`: weekday `d` (0 Sunday) of week `w` (5 the last) of month `m`.
            case month(month: Int, week: Int, weekday: Int)
        }
        let day: Day
        let time: Int64

        /// The days since 1970 of this rule's day in `year`.
        func days(in year: Int64) -> Int64 {
            switch day {
            case .julian(let n):
                let leapDay: Int64 = CivilDate.isLeap(year) && n >= 60 ? 1 : 0
                return CivilDate.days(year: year, month: 1, day: 1) + Int64(n) - 1 + leapDay
            case .zeroBased(let n):
                return CivilDate.days(year: year, month: 1, day: 1) + Int64(n)
            case let .month(month, week, weekday):
                let first = CivilDate.days(year: year, month: Int64(month), day: 1)
                var day = first + (Int64(weekday) - CivilDate.weekday(days: first) + 7) % 7 + Int64(week - 1) * 7
                let nextMonth = month == 12
                    ? CivilDate.days(year: year + 1, month: 1, day: 1)
                    : CivilDate.days(year: year, month: Int64(month) + 1, day: 1)
                while day >= nextMonth { day -= 7 }
                return day
            }
        }
    }

    init?(_ text: String) {
        var scanner = Scanner(Array(text.utf8))
        guard scanner.name(), let standard = scanner.offset() else { return nil }
        standardOffset = Int32(-standard)
        if scanner.atEnd {
            daylight = nil
            return
        }
        guard scanner.name() else { return nil }
        var dstOffset = Int64(standardOffset) + 3600
        if !scanner.peek(",") {
            guard let value = scanner.offset() else { return nil }
            dstOffset = -value
        }
        guard scanner.eat(","), let start = scanner.rule(), scanner.eat(","), let end = scanner.rule(), scanner.atEnd
        else { return nil }
        daylight = Daylight(offset: Int32(dstOffset), start: start, end: end)
    }

    /// The rule's transitions in `year`: (instant, offset from then on), in time order.
    func transitions(in year: Int64) -> [(Int64, Int32)] {
        guard let daylight else { return [] }
        // A start is written in standard time, an end in daylight time.
        let start = daylight.start.days(in: year) * 86400 + daylight.start.time - Int64(standardOffset)
        let end = daylight.end.days(in: year) * 86400 + daylight.end.time - Int64(daylight.offset)
        return [(start, daylight.offset), (end, standardOffset)].sorted { $0.0 < $1.0 }
    }

    func offset(at time: Int64) -> Int32 {
        guard daylight != nil else { return standardOffset }
        let year = CivilDate.year(days: floorDivide(time, 86400))
        let all = (year - 1...year + 1).flatMap(transitions(in:))
        return all.last(where: { $0.0 <= time })?.1 ?? standardOffset
    }

    func nextTransition(after time: Int64) -> Int64? {
        guard daylight != nil else { return nil }
        let year = CivilDate.year(days: floorDivide(time, 86400))
        return (year...year + 2).flatMap(transitions(in:)).first(where: { $0.0 > time })?.0
    }

    /// Reads the parts of a TZ string.
    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { position == bytes.count }

        func peek(_ c: Character) -> Bool { position < bytes.count && bytes[position] == c.asciiValue }

        mutating func eat(_ c: Character) -> Bool {
            guard peek(c) else { return false }
            position += 1
            return true
        }

        /// `EST` (three or more letters) or `<+0330>`.
        mutating func name() -> Bool {
            if eat("<") {
                guard let close = bytes[position...].firstIndex(of: UInt8(ascii: ">")), close > position else { return false }
                position = close + 1
                return true
            }
            let start = position
            while position < bytes.count, (bytes[position] | 0x20) >= UInt8(ascii: "a"), (bytes[position] | 0x20) <= UInt8(ascii: "z") {
                position += 1
            }
            return position - start >= 3
        }

        mutating func number(max: Int64) -> Int64? {
            let start = position
            var value: Int64 = 0
            while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
                value = value * 10 + Int64(bytes[position] - UInt8(ascii: "0"))
                position += 1
                if value > max { return nil }
            }
            return position > start ? value : nil
        }

        /// `[+-]hh[:mm[:ss]]` in seconds.
        mutating func offset(maxHours: Int64 = 167) -> Int64? {
            var sign: Int64 = 1
            if eat("-") { sign = -1 } else { _ = eat("+") }
            guard let hours = number(max: maxHours) else { return nil }
            var seconds = hours * 3600
            if eat(":") {
                guard let minutes = number(max: 59) else { return nil }
                seconds += minutes * 60
                if eat(":") {
                    guard let secs = number(max: 59) else { return nil }
                    seconds += secs
                }
            }
            return sign * seconds
        }

        mutating func rule() -> Rule? {
            let day: Rule.Day
            if eat("J") {
                guard let n = number(max: 365), n >= 1 else { return nil }
                day = .julian(Int(n))
            } else if eat("M") {
                guard let m = number(max: 12), m >= 1, eat("."), let w = number(max: 5), w >= 1, eat("."),
                    let d = number(max: 6)
                else { return nil }
                day = .month(month: Int(m), week: Int(w), weekday: Int(d))
            } else {
                guard let n = number(max: 365) else { return nil }
                day = .zeroBased(Int(n))
            }
            var time: Int64 = 7200
            if eat("/") {
                guard let value = offset() else { return nil }
                time = value
            }
            return Rule(day: day, time: time)
        }
    }
}

/// `a / b` rounded toward negative infinity.
func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}
