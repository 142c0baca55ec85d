#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
import Webhooks

@Suite("Retry schedule")
struct RetryScheduleTests {
    let now = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT

    @Test("each failed attempt waits its delay, within the ±10% jitter, and the last one gives up")
    func delays() {
        let schedule = RetrySchedule(delays: [5, 300, 1800])
        #expect(schedule.nextAttempt(after: 1, retryAfter: nil, now: now, jitter: 0) == now.addingTimeInterval(5))
        #expect(schedule.nextAttempt(after: 2, retryAfter: nil, now: now, jitter: 1) == now.addingTimeInterval(330))
        #expect(schedule.nextAttempt(after: 3, retryAfter: nil, now: now, jitter: -1) == now.addingTimeInterval(1620))
        #expect(schedule.nextAttempt(after: 4, retryAfter: nil, now: now, jitter: 0) == nil)
    }

    @Test("Retry-After in seconds or as an HTTP date wins when later, capped at 24 h")
    func retryAfter() {
        let schedule = RetrySchedule(delays: [5, 300])
        #expect(schedule.nextAttempt(after: 1, retryAfter: "120", now: now, jitter: 0) == now.addingTimeInterval(120))
        #expect(schedule.nextAttempt(after: 1, retryAfter: "1", now: now, jitter: 0) == now.addingTimeInterval(5))
        #expect(
            schedule.nextAttempt(after: 1, retryAfter: "Sun, 06 Nov 1994 08:59:37 GMT", now: now, jitter: 0)
                == now.addingTimeInterval(600))
        #expect(schedule.nextAttempt(after: 1, retryAfter: "999999", now: now, jitter: 0) == now.addingTimeInterval(86_400))
        #expect(schedule.nextAttempt(after: 1, retryAfter: "soon", now: now, jitter: 0) == now.addingTimeInterval(5))
        #expect(RetrySchedule.parseRetryAfter("Sunday, 06-Nov-94 08:49:37 GMT", now: now) == nil)
    }
}
