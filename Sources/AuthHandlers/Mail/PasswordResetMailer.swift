#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
import Crypto
public import FCGIHost
public import Store

/// Takes up queued password-reset requests in the supervisor: for an active account, a single-use token (30
/// minutes), the mail that carries it and the audit row, in one transaction; for anything else, nothing but the
/// request's removal. `POST /auth/password/forgot` only queues, so it does the same work for every address.
public final class PasswordResetMailer {
    /// How long a reset token works.
    public static let lifetime: TimeInterval = 30 * 60

    let database: Database
    let resets: PasswordResets
    let users: Users
    let outbox: Outbox
    let audit: Audit
    let logger: Logger
    private var nextRun = ContinuousClock.now

    public init(database: Database, logger: Logger) {
        self.database = database
        resets = PasswordResets(db: database)
        users = Users(db: database)
        outbox = Outbox(db: database)
        audit = Audit(db: database)
        self.logger = logger
    }

    /// Takes up what is queued (at most 20 requests a call, checked at most every 250 ms).
    public func tick(config: Config, now: Date = Date()) {
        guard ContinuousClock.now >= nextRun else { return }
        nextRun = .now + .milliseconds(250)
        do {
            for request in try resets.pendingRequests(limit: 20) { try takeUp(request, config: config, now: now) }
        } catch {
            logger.error("Password-reset requests failed", metadata: ["error": "\(error)"])
        }
    }

    func takeUp(_ request: PasswordResetRequest, config: Config, now: Date) throws {
        try database.perform(.mailPasswordReset) {
            // Removing it first claims it: a second supervisor on the same database skips it.
            guard try resets.finishRequest(id: request.id) else { return }
            guard let user = try users.find(email: request.identifier), user.isActive else { return }
            let token = Base64URL.encode(Random.bytes(count: 32))
            let link = config.passwordResetURL.replacing("{token}", with: token)
            try resets.create(
                hash: SHA256.hash(token), userId: user.id, expiresAt: now.addingTimeInterval(Self.lifetime), now: now)
            try outbox.enqueue(
                recipient: user.email, subject: "Reset your password",
                body: """
                    Someone asked to reset the password of \(user.email).
                    To choose a new password, open this link within 30 minutes:

                    \(link)

                    If it was not you, ignore this message; your password stays as it is.
                    """, now: now)
            try audit.append(
                event: "password.reset_requested", userId: user.id, ip: request.ip, userAgent: request.userAgent,
                at: request.requestedAt)
        }
    }
}

@available(*, unavailable)
extension PasswordResetMailer: Sendable {}
