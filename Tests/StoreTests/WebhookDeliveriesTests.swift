import Foundation
import Testing

@testable import Store

@Suite struct WebhookDeliveriesTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    private func subscribe(_ db: Database, _ events: [String], url: String = "https://hooks.example.com/a") throws
        -> WebhookSubscription
    {
        try WebhookSubscriptions(db: db).create(url: url, events: events, sealedSecret: [1, 2, 3], now: Self.t0)
    }

    private func body(_ id: String, _ type: String) -> String {
        "{\"id\":\"\(id)\",\"type\":\"\(type)\"}"
    }

    @discardableResult
    private func append(_ db: Database, _ type: String, at: Date = t0) throws -> (id: String, queued: Int) {
        let id = UUID().uuidString.lowercased()
        let queued = try Events(db: db).append(id: id, type: type, at: at, body: body(id, type))
        return (id, queued)
    }

    @Test("an event queues one delivery per active subscription whose filter matches", arguments: testBackends)
    func fanOut(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let exact = try subscribe(db, ["user.created"])
            let prefix = try subscribe(db, ["user.*", "session.created"])
            let all = try subscribe(db, ["*"])
            let inactive = try subscribe(db, ["*"])
            _ = try WebhookSubscriptions(db: db).update(id: inactive.id, url: nil, events: nil, active: false)
            #expect(try append(db, "user.created").queued == 3)
            #expect(try append(db, "user.deleted").queued == 2)
            #expect(try append(db, "session.created").queued == 2)
            #expect(try append(db, "client.created").queued == 1)
            let event = try append(db, "user.created")
            #expect(
                Set(try WebhookDeliveries(db: db).statuses(eventId: event.id).keys)
                    == [exact.id, prefix.id, all.id])
            // Changing the filter replaces the patterns.
            _ = try WebhookSubscriptions(db: db).update(id: exact.id, url: nil, events: ["client.*"], active: nil)
            #expect(try append(db, "client.deleted").queued == 2)
        }
    }

    @Test("an event written in a unit that rolls back leaves neither the event nor its deliveries", arguments: testBackends)
    func rollsBackWithTheChange(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            _ = try subscribe(db, ["*"])
            struct Refused: Error {}
            let id = UUID().uuidString.lowercased()
            #expect(throws: Refused.self) {
                try db.perform(.updateUser) {
                    try Events(db: db).append(id: id, type: "user.updated", at: Self.t0, body: body(id, "user.updated"))
                    throw Refused()
                }
            }
            #expect(try Events(db: db).find(id: id) == nil)
            #expect(try db.queryOne("SELECT count(*) AS n FROM webhook_deliveries")?.get("n", as: Int64.self) == 0)
        }
    }

    @Test("the log lists newest first, by type, in pages", arguments: testBackends)
    func log(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            var ids: [String] = []
            for index in 0..<5 { ids.append(try append(db, index % 2 == 0 ? "user.created" : "login.failed").id) }
            let events = Events(db: db)
            let first = try events.list(limit: 2)
            #expect(first.items.map(\.id) == [ids[4], ids[3]])
            let second = try events.list(limit: 2, cursor: first.nextCursor)
            #expect(second.items.map(\.id) == [ids[2], ids[1]])
            #expect(try events.list(type: "login.failed").items.map(\.id) == [ids[3], ids[1]])
            #expect(try events.after(seq: first.items[1].seq).map(\.id) == [ids[4]])
            #expect(throws: StoreError.invalidCursor) { try events.list(cursor: "garbage") }
        }
    }

    @Test("a claim takes due deliveries once, holds them for the lease, and logs a pending attempt", arguments: testBackends)
    func claims(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let sub = try subscribe(db, ["*"])
            let event = try append(db, "user.created")
            let deliveries = WebhookDeliveries(db: db)
            let claimed = try deliveries.claim(now: Self.t0, limit: 10, lease: 15)
            #expect(claimed.count == 1)
            let delivery = try #require(claimed.first)
            #expect(delivery.eventId == event.id && delivery.subscriptionId == sub.id && delivery.attempt == 1)
            #expect(delivery.url == sub.url && delivery.sealedSecrets == [[1, 2, 3]])
            #expect(delivery.body == body(event.id, "user.created"))
            // Held: not claimed again within the lease.
            #expect(try deliveries.claim(now: Self.t0.addingTimeInterval(10), limit: 10, lease: 15).isEmpty)
            let log = try deliveries.attempts(subscriptionId: sub.id)
            #expect(log.items.map(\.status) == ["pending"])
            // Once the lease has run out (the process died), it is claimed again: attempt 2, the first marked cut short.
            let again = try deliveries.claim(now: Self.t0.addingTimeInterval(16), limit: 10, lease: 15)
            #expect(again.map(\.attempt) == [2])
            #expect(again.first?.eventId == event.id)
            // The stale claim's result no longer counts.
            #expect(try !deliveries.finish(delivery, outcome: .delivered(responseStatus: 200), now: Self.t0))
            #expect(try deliveries.finish(again[0], outcome: .delivered(responseStatus: 204), now: Self.t0))
            let attempts = try deliveries.attempts(subscriptionId: sub.id).items
            #expect(attempts.map(\.attempt) == [2, 1])
            #expect(attempts.map(\.status) == ["delivered", "retrying"])
            #expect(attempts[0].responseStatus == 204)
            #expect(try deliveries.statuses(eventId: event.id) == [sub.id: "delivered"])
            #expect(try deliveries.claim(now: Self.t0.addingTimeInterval(100), limit: 10, lease: 15).isEmpty)
        }
    }

    @Test("a retry waits for its time, the last failure gives up, redeliver queues another attempt", arguments: testBackends)
    func retries(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let sub = try subscribe(db, ["*"])
            let event = try append(db, "user.created")
            let deliveries = WebhookDeliveries(db: db)
            let first = try #require(try deliveries.claim(now: Self.t0, limit: 1, lease: 15).first)
            try deliveries.finish(
                first, outcome: .retry(at: Self.t0.addingTimeInterval(5), responseStatus: 500, error: "HTTP 500"),
                now: Self.t0)
            #expect(try deliveries.claim(now: Self.t0.addingTimeInterval(4), limit: 1, lease: 15).isEmpty)
            let second = try #require(try deliveries.claim(now: Self.t0.addingTimeInterval(5), limit: 1, lease: 15).first)
            #expect(second.attempt == 2)
            try deliveries.finish(second, outcome: .failed(responseStatus: nil, error: "timeout"), now: Self.t0)
            #expect(try deliveries.statuses(eventId: event.id) == [sub.id: "failed"])
            #expect(try deliveries.claim(now: Self.t0.addingTimeInterval(60), limit: 1, lease: 15).isEmpty)
            let failed = try deliveries.attempts(subscriptionId: sub.id, status: "failed").items
            #expect(failed.map(\.error) == ["timeout"])
            try deliveries.redeliver(id: first.id, subscriptionId: sub.id, now: Self.t0.addingTimeInterval(60))
            #expect(try deliveries.claim(now: Self.t0.addingTimeInterval(60), limit: 1, lease: 15).map(\.attempt) == [3])
            #expect(throws: StoreError.notFound) {
                try deliveries.redeliver(id: first.id, subscriptionId: "another", now: Self.t0)
            }
        }
    }

    @Test("a subscription failing for 5 days is deactivated in the transaction that records the failure", arguments: testBackends)
    func deactivation(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let sub = try subscribe(db, ["user.*"])
            let deliveries = WebhookDeliveries(db: db)
            var deactivations = 0
            func fail(at date: Date) throws {
                try append(db, "user.created", at: date)
                let claimed = try #require(try deliveries.claim(now: date, limit: 1, lease: 15).first)
                try deliveries.finish(
                    claimed, outcome: .failed(responseStatus: 500, error: "HTTP 500"), now: date
                ) {
                    deactivations += 1
                    try append(db, "webhook.deactivated", at: date)
                }
            }
            try fail(at: Self.t0)
            try fail(at: Self.t0.addingTimeInterval(4 * 86_400))
            #expect(try WebhookSubscriptions(db: db).find(id: sub.id)?.active == true)
            try fail(at: Self.t0.addingTimeInterval(5 * 86_400))
            #expect(deactivations == 1)
            #expect(try WebhookSubscriptions(db: db).find(id: sub.id)?.active == false)
            #expect(try Events(db: db).list(type: "webhook.deactivated").items.count == 1)
            // Deliveries of an inactive subscription are not claimed; a success clears a failure run.
            try append(db, "user.created", at: Self.t0.addingTimeInterval(6 * 86_400))
            #expect(try deliveries.claim(now: Self.t0.addingTimeInterval(6 * 86_400), limit: 5, lease: 15).isEmpty)
        }
    }

    @Test("two connections claiming at once never get the same delivery", arguments: testBackends)
    func concurrentClaims(backend: Backend) throws {
        try withDatabaseURL(backend) { url in
            let setup = try Database.open(url: url)
            _ = try subscribe(setup, ["*"])
            for _ in 0..<200 { try append(setup, "user.created") }
            let results = ClaimResults()
            let threads = (0..<4).map { _ in
                Thread {
                    do {
                        let db = try Database.open(url: url)
                        let deliveries = WebhookDeliveries(db: db)
                        while true {
                            let claimed = try deliveries.claim(now: Self.t0, limit: 7, lease: 60)
                            if claimed.isEmpty { break }
                            results.add(claimed.map(\.id))
                        }
                    } catch {
                        results.fail("\(error)")
                    }
                }
            }
            threads.forEach { $0.start() }
            while !threads.allSatisfy(\.isFinished) { Thread.sleep(forTimeInterval: 0.01) }
            let (ids, errors) = results.snapshot()
            #expect(errors.isEmpty)
            #expect(ids.count == 200)
            #expect(Set(ids).count == 200)
        }
    }

    @Test("secrets rotate with an overlap; a second rotation ends the first one's", arguments: testBackends)
    func rotation(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let subscriptions = WebhookSubscriptions(db: db)
            let sub = try subscribe(db, ["*"])
            let rotated = try subscriptions.rotateSecret(
                id: sub.id, sealedSecret: [4], overlapUntil: Self.t0.addingTimeInterval(86_400), now: Self.t0)
            #expect(rotated.signingSecrets(at: Self.t0) == [[4], [1, 2, 3]])
            #expect(rotated.signingSecrets(at: Self.t0.addingTimeInterval(86_400)) == [[4]])
            let again = try subscriptions.rotateSecret(
                id: sub.id, sealedSecret: [5], overlapUntil: Self.t0.addingTimeInterval(86_400), now: Self.t0)
            #expect(again.signingSecrets(at: Self.t0) == [[5], [4]])
            #expect(throws: StoreError.notFound) {
                try subscriptions.rotateSecret(id: "nope", sealedSecret: [6], overlapUntil: Self.t0)
            }
            #expect(try subscriptions.delete(id: sub.id))
            #expect(try !subscriptions.delete(id: sub.id))
        }
    }

    @Test("events past retention go, with their deliveries and attempts", arguments: testBackends)
    func retention(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            _ = try subscribe(db, ["*"])
            try append(db, "user.created", at: Self.t0)
            let claimed = try WebhookDeliveries(db: db).claim(now: Self.t0, limit: 5, lease: 15)
            try WebhookDeliveries(db: db).finish(claimed[0], outcome: .delivered(responseStatus: 200), now: Self.t0)
            try append(db, "user.created", at: Self.t0.addingTimeInterval(100))
            #expect(try Retention(db: db).pruneBatch(.events, before: Self.t0.addingTimeInterval(50)) == 1)
            #expect(try Retention(db: db).count(.events) == 1)
            #expect(try db.queryOne("SELECT count(*) AS n FROM webhook_deliveries")?.get("n", as: Int64.self) == 1)
            #expect(try db.queryOne("SELECT count(*) AS n FROM webhook_attempts")?.get("n", as: Int64.self) == 0)
        }
    }
}

/// Claimed ids and errors gathered from several threads.
final class ClaimResults: @unchecked Sendable {
    // Sendable: every access holds `lock`.
    private let lock = NSLock()
    private var ids: [String] = []
    private var errors: [String] = []

    func add(_ claimed: [String]) {
        lock.lock()
        ids += claimed
        lock.unlock()
    }

    func fail(_ error: String) {
        lock.lock()
        errors.append(error)
        lock.unlock()
    }

    func snapshot() -> ([String], [String]) {
        lock.lock()
        defer { lock.unlock() }
        return (ids, errors)
    }
}
