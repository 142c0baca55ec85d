#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import FCGIHost
public import Store

/// Hands queued mail to `MAILER_COMMAND`, one RFC 5322 message on its standard input per run, retrying with
/// back-off. Runs in the supervisor, so one process delivers and workers only enqueue.
public final class OutboxDelivery {
    let outbox: Outbox
    let logger: Logger
    private var nextRun = ContinuousClock.now
    private var warnedNoMailer = false

    public init(database: Database, logger: Logger) {
        outbox = Outbox(db: database)
        self.logger = logger
    }

    /// Delivers what is due with the current configuration's mailer; cheap when nothing is (one indexed
    /// query a second).
    public func tick(config: Config, now: Date = Date()) {
        guard ContinuousClock.now >= nextRun else { return }
        nextRun = .now + .seconds(1)
        do {
            let due = try outbox.due(now: now, limit: 10, lease: 120)
            guard !due.isEmpty else { return }
            guard !config.mailerCommand.isEmpty else {
                if !warnedNoMailer {
                    logger.warning("Mail is queued but MAILER_COMMAND is empty; it stays in the outbox")
                    warnedNoMailer = true
                }
                return
            }
            for message in due { deliver(message, config: config, now: now) }
        } catch {
            logger.error("Outbox delivery failed", metadata: ["error": "\(error)"])
        }
    }

    func deliver(_ message: OutboxMessage, config: Config, now: Date) {
        let text = Self.render(message, from: config.mailFrom)
        let status: Int32
        do {
            status = try ChildProcess.runShell(config.mailerCommand, input: Array(text.utf8))
        } catch {
            status = -1
        }
        do {
            if status == 0 {
                try outbox.markSent(id: message.id, now: now)
                logger.info("Mail sent", metadata: ["mail.id": message.id])
            } else {
                // Back-off 30 s, 1 min, 2 min ... capped at an hour.
                let delay = min(3600, 30 << min(message.attempts, 7))
                let gaveUp = try outbox.markFailed(
                    id: message.id, error: "mailer exited with status \(status)",
                    nextAttemptAt: now.addingTimeInterval(TimeInterval(delay)), now: now)
                logger.error(
                    gaveUp ? "Mail given up" : "Mail delivery failed; will retry",
                    metadata: ["mail.id": message.id, "exit.status": "\(status)"])
            }
        } catch {
            logger.error("Outbox update failed", metadata: ["error": "\(error)"])
        }
    }

    /// The message as the mailer reads it: headers, a blank line, the body (CRLF line ends, RFC 5322 §2.1).
    static func render(_ message: OutboxMessage, from: String) -> String {
        // On unicode scalars, not Characters: Swift reads "\r\n" as one Character, equal to neither "\r" nor "\n".
        func clean(_ value: String) -> String {
            String(String.UnicodeScalarView(value.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }))
        }
        let headers = [
            "From: \(clean(from))", "To: \(clean(message.recipient))", "Subject: \(clean(message.subject))",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit",
        ]
        let body = message.body.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + body + "\r\n"
    }
}

@available(*, unavailable)
extension OutboxDelivery: Sendable {}
