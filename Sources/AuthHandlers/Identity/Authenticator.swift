#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import Crypto
public import FCGIHost
public import Store

/// Access tokens on the way in: the bearer token of a request, its signature and claims (from a per-worker cache
/// of verified tokens), its session (through the revocation counter), and the business rules of its context
/// (DESIGN.md "Tokens"). Every token-checked route, `/auth/verify` included, goes through ``authenticate(_:now:)``
/// or ``verify(token:now:address:)``.
public final class Authenticator {
    let config: Config
    let keys: SigningKeys
    let authorizer: Authorizer
    let metrics: Metrics?
    let verifyCache: VerifyCache
    /// `SERVICE_SECRET`, the key of `X-Auth-Context-Signature`.
    let serviceKey: [UInt8]
    /// With `ORIGIN_VALIDATION_ENABLED`, refuses a request whose token is from an SDK session and whose `Origin` is
    /// not in that client's allowlist (set by ``AuthService``).
    var sdkOriginCheck: ((Principal, String) throws -> Void)?
    /// The metrics every token validation moves, looked up once.
    private let validationMetrics: ValidationMetrics?

    private struct ValidationMetrics {
        let validations: Metrics.Counter
        let duration: Metrics.Histogram
        let cacheHits: Metrics.Counter
        let cacheMisses: Metrics.Counter

        init(_ metrics: Metrics) {
            validations = metrics.counter("auth_token_validations_total")
            duration = metrics.histogram("auth_token_validation_duration_seconds")
            cacheHits = metrics.counter("auth_verify_cache_hits_total")
            cacheMisses = metrics.counter("auth_verify_cache_misses_total")
        }
    }

    public init(config: Config, keys: SigningKeys, sessions: Sessions, authorizer: Authorizer, metrics: Metrics?) {
        self.config = config
        self.keys = keys
        self.authorizer = authorizer
        self.metrics = metrics
        serviceKey = Array(config.serviceSecret.utf8)
        validationMetrics = metrics.map(ValidationMetrics.init)
        // A revocation on another node sharing the database does not move this node's write generation: there the
        // revocation counter is read on every check (a logout anywhere is refused everywhere at once).
        let shared = sessions.isSharedAcrossNodes
        verifyCache = VerifyCache(capacity: 10_000, sessions: sessions) { [weak metrics] in
            shared ? nil : metrics?.scoreboard.writeGeneration
        }
    }

    /// The bearer token of `request`, if it sent one.
    public func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers["Authorization"] else { return nil }
        guard let space = header.utf8.firstIndex(of: UInt8(ascii: " ")),
            header[..<space].equalsIgnoringASCIICase("bearer")
        else { return nil }
        let token = header[header.utf8.index(after: space)...].trimmingWhitespace()
        return token.isEmpty ? nil : token
    }

    /// The principal of the request's access token: signature, `exp`/`nbf`/`iss`/`aud`, then the session.
    /// - Throws: 401 `token_missing`, `token_invalid`, `token_expired` or `token_revoked`.
    public func authenticate(_ request: Request, now: Date = Date()) throws -> Principal {
        guard let token = bearerToken(request) else { throw AuthError.tokenMissing }
        let principal = try verify(
            token: token, now: now, address: request.clientAddress(trustedProxies: config.trustedProxies))
        if principal.claims.tenant != nil, let check = sdkOriginCheck, let origin = request.headers["Origin"] {
            do {
                try check(principal, origin)
            } catch let error as HTTPError where error.code == AuthError.originNotAllowed.code {
                metrics?.increment(MetricNames.originRejections)
                throw error
            }
        }
        return principal
    }

    /// ``authenticate(_:now:)`` plus a permission check (403 `forbidden`).
    public func require(_ permission: String, _ request: Request, now: Date = Date()) throws -> Principal {
        let principal = try authenticate(request, now: now)
        guard principal.has(permission) else { throw AuthError.forbidden(missing: permission) }
        return principal
    }

    /// Verifies an access token, from the per-worker cache when it was verified before, then its session, then the
    /// business rules of its context at `now` for a request from `address` (403 `rule_denied`; a token issued at
    /// 17:59 for a window that closes at 18:00 stops working at 18:00).
    public func verify(token: String, now: Date = Date(), address: String) throws -> Principal {
        let started = ContinuousClock.now
        defer { countValidation(started: started) }
        let key = VerifyCache.TokenKey(token)
        let entry: VerifyCache.Entry
        if let cached = verifyCache.lookup(key, now: now, leeway: config.leeway) {
            if let handles = validationMetrics { metrics?.increment(handles.cacheHits) }
            entry = cached
        } else {
            if let handles = validationMetrics { metrics?.increment(handles.cacheMisses) }
            entry = verifyCache.insert(key, try verifySignature(token, now: now))
        }
        try admit(entry, now: now, address: address)
        return entry.principal
    }

    /// ``verify(token:now:address:)`` for a token already in the cache that `/auth/verify` has answered before:
    /// that answer, when every check passes and `accepts` (the route's own checks) says yes. nil for anything
    /// else — not cached, no answer remembered, expired, revoked, refused by its context or by `accepts`, or the
    /// database unreadable — and then nothing is counted: the caller goes the ordinary way, which counts, answers
    /// and reports the same case.
    func verifyAnswered(
        token: VerifyCache.TokenKey, now: Date, address: String, accepts: (VerifyCache.Entry) -> Bool
    ) -> [UInt8]? {
        let started = ContinuousClock.now
        guard let entry = verifyCache.lookup(token, now: now, leeway: config.leeway), let answer = entry.answer,
            (try? admit(entry, now: now, address: address)) != nil, accepts(entry)
        else { return nil }
        if let handles = validationMetrics { metrics?.increment(handles.cacheHits) }
        countValidation(started: started)
        return answer
    }

    /// Remembers what `/auth/verify` answered for a cached token (``verifyAnswered(token:now:address:accepts:)``).
    func rememberAnswer(token: VerifyCache.TokenKey, _ answer: [UInt8]) {
        verifyCache.rememberAnswer(token, answer)
    }

    /// The session of a verified token, then its context's rules.
    private func admit(_ entry: VerifyCache.Entry, now: Date, address: String) throws {
        guard try verifyCache.sessionIsLive(entry.principal.claims.sid, now: now) else { throw AuthError.tokenRevoked }
        if let ctx = entry.principal.claims.ctx {
            try checkContext(ctx, of: entry, now: now, address: address)
        }
    }

    /// Counts one token validation and its duration.
    private func countValidation(started: ContinuousClock.Instant) {
        guard let metrics, let handles = validationMetrics else { return }
        metrics.increment(handles.validations)
        let elapsed = started.duration(to: .now)
        metrics.observe(
            handles.duration, seconds: Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds))
    }

    /// The token's context assignment must still be active and its rules must allow this request. A check that
    /// allowed is remembered with the cached token for the same address until the hours window closes or any
    /// assignment changes, so the per-request cost is a comparison.
    private func checkContext(_ ctx: AccessClaims.Context, of entry: VerifyCache.Entry, now: Date, address: String) throws {
        let principal = entry.principal
        let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
        let generation = try authorizer.assignmentGeneration()
        if let memo = entry.contextAllowed, memo.stands(address: address, now: seconds, generation: generation) { return }
        guard let assignment = try authorizer.contextAssignment(
            userId: principal.userID, zone: ctx.zone, department: ctx.department)
        else {
            throw HTTPError.forbidden(
                "The assignment of this token's context (\(ctx.zone)/\(ctx.department)) is no longer active; "
                    + "switch context or sign in again.")
        }
        if let denial = authorizer.denial(assignment, at: now, address: address, deviceId: principal.claims.did) {
            throw AuthError.ruleDenied(denial)
        }
        entry.contextAllowed = VerifyCache.ContextMemo(
            address: address, until: authorizer.allowedUntil(assignment, after: now, limit: principal.claims.exp),
            generation: generation)
    }

    private func verifySignature(_ token: String, now: Date) throws -> Principal {
        let verified: VerifiedClaims
        do {
            verified = try keys.verify(
                token: token, at: now, leeway: TimeInterval(config.leeway), issuer: config.issuer,
                audience: config.audience)
        } catch let error where error == .tokenExpired {
            throw AuthError.tokenExpired
        } catch {
            throw AuthError.tokenInvalid()
        }
        let claims: AccessClaims
        do {
            claims = try verified.decode(AccessClaims.self)
        } catch {
            throw AuthError.tokenInvalid("The token is not a Gatehouse access token.")
        }
        // No token of ours lives longer than the configured lifetime: a longer one was not issued by this
        // configuration (or comes from whoever else holds an HS256 secret), and its exp is not to be trusted.
        let (lifetime, overflow) = claims.exp.subtractingReportingOverflow(claims.iat)
        guard !overflow, lifetime <= Int64(config.accessTokenLifetime) + Int64(config.leeway) else {
            throw AuthError.tokenInvalid("The token's lifetime exceeds the configured access-token lifetime.")
        }
        let segment = token.split(separator: ".", omittingEmptySubsequences: false)[1]
        let signature = serviceKey.isEmpty
            ? nil : Base64URL.encode(HMAC.sha256(key: serviceKey, data: Array(segment.utf8)))
        return Principal(claims: claims, contextSegment: segment, contextSignature: signature)
    }
}

@available(*, unavailable)
extension Authenticator: Sendable {}
