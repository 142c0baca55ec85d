#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import Crypto
public import FCGIHost
public import Store

/// Password hashing for one worker: argon2id at the configured parameters, verification capped so a stored hash
/// cannot cost more than `ARGON2_MAX_MEMORY_KIB`, all behind the gate that keeps argon2id to
/// `ARGON2_CONCURRENCY` at once across the workers, and the dummy check that makes unknown accounts cost the same.
public final class PasswordHasher {
    let parameters: Argon2id.Parameters
    let cap: Argon2id.Parameters
    /// At most `ARGON2_CONCURRENCY` argon2id computations at once across the workers; nil outside a worker.
    let gate: ConcurrencyGate?
    let metrics: Metrics?
    private var dummyHash: String?

    public init(config: Config, gate: ConcurrencyGate?, metrics: Metrics?) {
        parameters = Argon2id.Parameters(
            memoryKiB: config.argon2MemoryKiB, iterations: config.argon2Iterations,
            parallelism: config.argon2Parallelism)
        cap = Argon2id.Parameters(
            memoryKiB: config.argon2MaxMemoryKiB, iterations: max(8, config.argon2Iterations),
            parallelism: max(8, config.argon2Parallelism), saltLength: 64, tagLength: 64)
        self.gate = gate
        self.metrics = metrics
    }

    /// Hashes a password with the configured argon2id parameters (behind the password gate in a worker).
    public func hash(_ password: String) throws -> String {
        try work { try Argon2id.hash(password, parameters: parameters) }
    }

    /// Checks a password against a stored PHC string, refusing strings that would cost more than the cap.
    public func verify(_ password: String, hash: String) -> Bool {
        work { (try? Argon2id.verify(password, encoded: hash, cap: cap)) ?? false }
    }

    /// The same work as a real check, for an unknown account, so timing does not tell whether it exists.
    public func verifyAgainstDummy(_ password: String) {
        if dummyHash == nil { dummyHash = try? hash(String(decoding: Random.bytes(count: 16), as: UTF8.self)) }
        if let dummyHash { _ = verify(password, hash: dummyHash) }
    }

    /// Whether a stored hash was made with other parameters than today's.
    public func needsRehash(_ hash: String) -> Bool {
        Argon2id.needsRehash(hash, parameters: parameters)
    }

    /// argon2id work, through the gate that keeps it to `ARGON2_CONCURRENCY` at once across the workers.
    private func work<T>(_ work: () throws -> T) rethrows -> T {
        guard let gate else { return try work() }
        return try gate.run(onWait: { metrics?.increment("auth_password_hash_waits_total") }) {
            () throws(any Error) -> T in try work()
        }
    }
}

@available(*, unavailable)
extension PasswordHasher: Sendable {}
