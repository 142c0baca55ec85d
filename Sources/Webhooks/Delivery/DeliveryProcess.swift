#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import FCGIHost
public import Store

/// `gatehouse deliver`: the process the supervisor keeps running beside the workers to send webhooks (and, through
/// `sideWork`, queued mail). Slow receivers cost only this process: many deliveries are in flight at once over
/// libcurl's multi interface, each bounded by a 10 s timeout.
///
/// One loop, no threads: claim due deliveries (with a lease, so another delivery process, on this node or another,
/// never sends the same attempt), start them, let curl progress for a moment, record what finished, and look for
/// stop signals. Killed at any point, it loses nothing: an unfinished attempt's lease ends and the delivery is
/// claimed again, with the same `webhook-id`.
public final class DeliveryProcess {
    /// The whole exchange with a receiver.
    public static let timeout: Duration = .seconds(10)
    /// How long a claim holds: the timeout and a margin.
    public static let lease: TimeInterval = 15
    /// A subscription failing this long without a success is deactivated.
    public static let deactivateAfter: TimeInterval = 5 * 86_400

    let config: Config
    let logger: Logger
    let deliveries: WebhookDeliveries
    let eventLog: EventLog
    let secrets: WebhookSecrets?
    let schedule: RetrySchedule
    let sideWork: (Config) -> Void
    private var inFlight: [Int: ClaimedDelivery] = [:]
    private var nextTag = 0

    public init(config: Config, database: Database, logger: Logger, sideWork: @escaping (Config) -> Void = { _ in }) {
        self.config = config
        self.logger = logger
        deliveries = WebhookDeliveries(db: database)
        eventLog = EventLog(database: database)
        secrets = WebhookSecrets(config: config)
        schedule = RetrySchedule(delays: config.webhookRetrySchedule)
        self.sideWork = sideWork
    }

    /// Runs until SIGTERM, SIGINT, SIGQUIT or SIGHUP (the supervisor then starts a fresh one); returns the exit status.
    public func run() throws -> Int32 {
        StopSignals.takeOver()
        let multi = try CurlMulti()
        if secrets == nil {
            logger.warning("Webhook secret key file missing; webhooks stay queued", metadata: ["file": WebhookSecrets.keyPath(config: config)])
        }
        logger.info("Delivery process started", metadata: ["webhook.concurrency": "\(config.webhookConcurrency)"])
        var nextClaim = ContinuousClock.now
        while true {
            if ContinuousClock.now >= nextClaim, inFlight.count < config.webhookConcurrency, secrets != nil {
                let limit = config.webhookConcurrency - inFlight.count
                // A full batch means more may be due: look again at once; otherwise a quarter second from now.
                nextClaim = claimAndStart(multi, limit: limit) == limit ? .now : .now + .milliseconds(250)
            }
            if inFlight.isEmpty {
                if StopSignals.received(waiting: 100) { break }
            } else {
                for (tag, result) in multi.poll(milliseconds: 50) { finish(tag: tag, result: result) }
                if StopSignals.received() { break }
            }
            sideWork(config)
        }
        logger.info("Delivery process stopping", metadata: ["webhook.in_flight": "\(inFlight.count)"])
        return 0
    }

    /// Claims what is due and starts it; returns how many were started.
    private func claimAndStart(_ multi: CurlMulti, limit: Int) -> Int {
        let claimed: [ClaimedDelivery]
        do {
            claimed = try deliveries.claim(now: Date(), limit: limit, lease: Self.lease)
        } catch {
            logger.error("Claiming webhook deliveries failed", metadata: ["error": "\(error)"])
            return 0
        }
        for delivery in claimed {
            nextTag += 1
            do {
                let keys = try delivery.sealedSecrets.map { try secrets!.open($0, for: delivery.subscriptionId) }
                let body = Array(delivery.body.utf8)
                let headers = WebhookSignature.headers(
                    id: delivery.eventId, timestamp: Int64(Date().timeIntervalSince1970), body: body, secrets: keys)
                try multi.start(
                    OutgoingRequest(
                        url: delivery.url, headers: headers, body: body, timeout: Self.timeout,
                        allowPrivate: config.webhookAllowPrivate),
                    tag: nextTag)
                inFlight[nextTag] = delivery
            } catch {
                record(delivery, result: .failure("not sent: \(error)"))
            }
        }
        return claimed.count
    }

    private func finish(tag: Int, result: TransferResult) {
        guard let delivery = inFlight.removeValue(forKey: tag) else { return }
        record(delivery, result: result)
    }

    /// Turns a transfer's result into the attempt's outcome and stores it.
    func record(_ delivery: ClaimedDelivery, result: TransferResult) {
        let now = Date()
        let outcome: DeliveryOutcome
        var retryAfter: String?
        var status: Int?
        var error: String?
        switch result {
        case .response(let code, _) where (200...299).contains(code):
            outcome = .delivered(responseStatus: code)
        case .response(let code, let after):
            status = code
            retryAfter = after
            error = (300...399).contains(code) ? "redirect not followed" : "HTTP \(code)"
            outcome = Self.failure(schedule, delivery, now: now, status: status, retryAfter: retryAfter, error: error)
        case .failure(let message):
            error = message
            outcome = Self.failure(schedule, delivery, now: now, status: nil, retryAfter: nil, error: error)
        }
        do {
            try deliveries.finish(delivery, outcome: outcome, now: now, deactivateAfter: Self.deactivateAfter) {
                try eventLog.record(
                    .webhookDeactivated, subject: .webhook(delivery.subscriptionId),
                    data: ["reason": .string("failing for 5 days")], at: now)
                logger.warning("Webhook deactivated after failing for 5 days", metadata: ["webhook.id": delivery.subscriptionId])
            }
        } catch {
            logger.error("Recording a webhook attempt failed", metadata: ["error": "\(error)", "delivery.id": delivery.id])
        }
        if case .delivered = outcome {
            logger.debug("Webhook delivered", metadata: ["delivery.id": delivery.id, "attempt": "\(delivery.attempt)"])
        } else {
            logger.info(
                "Webhook attempt failed",
                metadata: ["delivery.id": delivery.id, "attempt": "\(delivery.attempt)", "error": error ?? ""])
        }
    }

    static func failure(
        _ schedule: RetrySchedule, _ delivery: ClaimedDelivery, now: Date, status: Int?, retryAfter: String?,
        error: String?
    ) -> DeliveryOutcome {
        if let next = schedule.nextAttempt(after: delivery.attempt, retryAfter: retryAfter, now: now) {
            // Stored in whole seconds: rounded up, so an attempt never goes out before its time.
            return .retry(
                at: Date(timeIntervalSince1970: next.timeIntervalSince1970.rounded(.up)), responseStatus: status,
                error: error)
        }
        return .failed(responseStatus: status, error: error)
    }
}

@available(*, unavailable)
extension DeliveryProcess: Sendable {}
