internal import CArgon2

/// Password hashing with Argon2id (RFC 9106), stored as PHC strings.
///
/// ```swift
/// let stored = try Argon2id.hash(password)                       // at registration
/// guard try Argon2id.verify(password, encoded: stored) else { throw invalidCredentials }
/// if Argon2id.needsRehash(stored) { try users.setPasswordHash(try Argon2id.hash(password)) }
/// ```
/// Synchronous and CPU-bound (about 14–45 ms with the defaults, CArgon2id on AVX2 at the low end): the worker
/// runs it inline (STYLE.md rule 27).
public enum Argon2id {
    /// Cost parameters: `ARGON2_MEMORY_KIB`, `ARGON2_ITERATIONS`, `ARGON2_PARALLELISM`, and the salt and
    /// tag lengths.
    public struct Parameters: Sendable, Equatable {
        /// Memory in KiB (m).
        public var memoryKiB: Int
        /// Passes over memory (t).
        public var iterations: Int
        /// Lanes (p), each hashed by its own thread.
        public var parallelism: Int
        /// Salt length in bytes; a cap's value bounds stored salts.
        public var saltLength: Int
        /// Tag (hash output) length in bytes; a cap's value bounds stored tags.
        public var tagLength: Int

        /// Parameters, by default Gatehouse's: m=19456 KiB, t=2, p=1, 16-byte salt, 32-byte tag.
        public init(
            memoryKiB: Int = 19456, iterations: Int = 2, parallelism: Int = 1, saltLength: Int = 16, tagLength: Int = 32
        ) {
            self.memoryKiB = memoryKiB
            self.iterations = iterations
            self.parallelism = parallelism
            self.saltLength = saltLength
            self.tagLength = tagLength
        }

        /// m=19456 KiB, t=2, p=1, 16-byte salt, 32-byte tag (OWASP's first Argon2id setting).
        public static let `default` = Parameters()

        /// The most a stored hash may cost to verify: 64 MiB, 8 passes, 8 lanes. It admits argon2-cffi's
        /// defaults (m=65536, t=3, p=4) and OWASP's settings, and keeps an imported hash from costing a GiB
        /// per login attempt.
        public static let defaultCap = Parameters(
            memoryKiB: 65536, iterations: 8, parallelism: 8, saltLength: 64, tagLength: 64)

        func check() throws(CryptoError) {
            guard memoryKiB >= 8 * parallelism, memoryKiB <= Int(UInt32.max), iterations >= 1,
                iterations <= Int(UInt32.max), (1...255).contains(parallelism), (8...64).contains(saltLength),
                (4...64).contains(tagLength)
            else {
                throw CryptoError.invalidInput.with(
                    "Argon2 parameters out of range (m ≥ 8·p, t ≥ 1, p 1…255, salt 8…64, tag 4…64 bytes)")
            }
        }
    }

    /// Hashes `password` with a fresh random salt.
    /// - Returns: the PHC string, e.g. `$argon2id$v=19$m=19456,t=2,p=1$…$…`.
    /// - Throws: ``CryptoError/argon2`` with the implementation's message.
    public static func hash(_ password: String, parameters: Parameters = .default) throws(CryptoError) -> String {
        try parameters.check()
        let salt = Random.bytes(count: parameters.saltLength)
        let tag = try compute(
            variant: .argon2id, version: PHCString.version13, password: Array(password.utf8), salt: salt,
            memoryKiB: UInt32(parameters.memoryKiB), iterations: UInt32(parameters.iterations),
            parallelism: UInt32(parameters.parallelism), tagLength: parameters.tagLength)
        return PHCString(
            variant: .argon2id, version: PHCString.version13, memoryKiB: UInt32(parameters.memoryKiB),
            iterations: UInt32(parameters.iterations), parallelism: UInt32(parameters.parallelism), salt: salt,
            hash: tag
        ).encoded
    }

    /// Checks `password` against a stored PHC string (argon2id, or argon2i from older systems).
    /// The tag comparison happens in C (CArgon2id or libargon2), in constant time.
    /// - Returns: whether the password matches.
    /// - Throws: ``CryptoError/malformedHash`` for a string we cannot read,
    ///   ``CryptoError/hashParametersOverCap`` when its memory, passes or lanes exceed `cap` (nothing is
    ///   computed then), ``CryptoError/argon2`` when libargon2 fails.
    public static func verify(_ password: String, encoded: String, cap: Parameters = .defaultCap) throws(CryptoError)
        -> Bool
    {
        guard let phc = PHCString(parsing: encoded) else {
            throw CryptoError.malformedHash.with("not an argon2id or argon2i PHC string")
        }
        guard phc.memoryKiB <= cap.memoryKiB, phc.iterations <= cap.iterations, phc.parallelism <= cap.parallelism,
            phc.salt.count <= cap.saltLength, phc.hash.count <= cap.tagLength
        else {
            throw CryptoError.hashParametersOverCap.with(
                "m=\(phc.memoryKiB),t=\(phc.iterations),p=\(phc.parallelism) exceeds the cap "
                    + "m=\(cap.memoryKiB),t=\(cap.iterations),p=\(cap.parallelism)")
        }
        var password = Array(password.utf8)
        let engine = Argon2Engine.engine(for: phc.variant, version: phc.version)
        if engine != .libargon2 {
            return try Argon2Native.verify(
                engine: engine, password: &password, salt: phc.salt, memoryKiB: phc.memoryKiB,
                iterations: phc.iterations, parallelism: phc.parallelism, expected: phc.hash)
        }
        var context = Context(phc: phc, tagLength: phc.hash.count)
        let rc = unsafe context.run(password: &password, salt: phc.salt, secret: [], associatedData: []) { context in
            unsafe phc.hash.withUnsafeBufferPointer { expected in
                unsafe expected.withMemoryRebound(to: CChar.self) { expected in
                    unsafe argon2_verify_ctx(&context, expected.baseAddress, phc.variant.type)
                }
            }
        }
        switch rc {
        case ARGON2_OK.rawValue: return true
        case ARGON2_VERIFY_MISMATCH.rawValue: return false
        default: throw CryptoError.argon2(message(rc))
        }
    }

    /// True when `encoded` was not made with `parameters` (other variant, version, memory, passes, lanes,
    /// salt or tag length) or cannot be read, so the caller should store a new hash after a successful login.
    public static func needsRehash(_ encoded: String, parameters: Parameters = .default) -> Bool {
        guard let phc = PHCString(parsing: encoded) else { return true }
        return phc.variant != .argon2id || phc.version != PHCString.version13
            || phc.memoryKiB != parameters.memoryKiB || phc.iterations != parameters.iterations
            || phc.parallelism != parameters.parallelism || phc.salt.count != parameters.saltLength
            || phc.hash.count != parameters.tagLength
    }

    // MARK: - CArgon2id or libargon2

    /// The raw tag, with the optional secret and associated data of RFC 9106 §3.1, computed by `engine`
    /// (by default CArgon2id for argon2id version 0x13 on CPUs with SSE2 or AVX2, libargon2 otherwise).
    static func compute(
        variant: PHCString.Variant, version: UInt32, password: [UInt8], salt: [UInt8], secret: [UInt8] = [],
        associatedData: [UInt8] = [], memoryKiB: UInt32, iterations: UInt32, parallelism: UInt32, tagLength: Int,
        engine: Argon2Engine? = nil
    ) throws(CryptoError) -> [UInt8] {
        var password = password
        let engine = engine ?? Argon2Engine.engine(for: variant, version: version)
        if engine != .libargon2 {
            guard variant == .argon2id, version == PHCString.version13 else {
                throw CryptoError.invalidInput.with("CArgon2id computes argon2id version 0x13 only")
            }
            return try Argon2Native.compute(
                engine: engine, password: &password, salt: salt, secret: secret, associatedData: associatedData,
                memoryKiB: memoryKiB, iterations: iterations, parallelism: parallelism, tagLength: tagLength)
        }
        var context = Context(
            version: version, memoryKiB: memoryKiB, iterations: iterations, parallelism: parallelism,
            tagLength: tagLength)
        let rc = unsafe context.run(password: &password, salt: salt, secret: secret, associatedData: associatedData) {
            unsafe argon2_ctx(&$0, variant.type)
        }
        guard rc == ARGON2_OK.rawValue else { throw CryptoError.argon2(message(rc)) }
        return context.tag
    }

    private static func message(_ code: Int32) -> String {
        guard let text = unsafe argon2_error_message(code) else { return "argon2 error \(code)" }
        return unsafe String(cString: text)
    }

    /// The parameters and output of one `argon2_context` call.
    private struct Context {
        let version: UInt32
        let memoryKiB: UInt32
        let iterations: UInt32
        let parallelism: UInt32
        var tag: [UInt8]

        init(version: UInt32, memoryKiB: UInt32, iterations: UInt32, parallelism: UInt32, tagLength: Int) {
            self.version = version
            self.memoryKiB = memoryKiB
            self.iterations = iterations
            self.parallelism = parallelism
            tag = [UInt8](repeating: 0, count: tagLength)
        }

        init(phc: PHCString, tagLength: Int) {
            self.init(
                version: phc.version, memoryKiB: phc.memoryKiB, iterations: phc.iterations,
                parallelism: phc.parallelism, tagLength: tagLength)
        }

        /// Builds the C context around our buffers and calls `body` with it. libargon2 wipes the password
        /// (`ARGON2_FLAG_CLEAR_PASSWORD`) and its work area when done, and takes its memory from
        /// ``Argon2Memory``.
        @unsafe
        mutating func run(
            password: inout [UInt8], salt: [UInt8], secret: [UInt8], associatedData: [UInt8],
            _ body: (inout argon2_context) -> Int32
        ) -> Int32 {
            // ARGON2_FLAG_CLEAR_PASSWORD is `(UINT32_C(1) << 0)`, a macro Swift cannot import.
            let clearPassword: UInt32 = 1 << 0
            var salt = salt, secret = secret, associatedData = associatedData
            let (version, memoryKiB, iterations, parallelism) = (version, memoryKiB, iterations, parallelism)
            return unsafe tag.withUnsafeMutableBufferPointer { tag in
                unsafe password.withUnsafeMutableBufferPointer { password in
                    unsafe salt.withUnsafeMutableBufferPointer { salt in
                        unsafe secret.withUnsafeMutableBufferPointer { secret in
                            unsafe associatedData.withUnsafeMutableBufferPointer { associatedData in
                                var context = unsafe argon2_context(
                                    out: tag.baseAddress, outlen: UInt32(tag.count),
                                    pwd: password.baseAddress, pwdlen: UInt32(password.count),
                                    salt: salt.baseAddress, saltlen: UInt32(salt.count),
                                    secret: secret.baseAddress, secretlen: UInt32(secret.count),
                                    ad: associatedData.baseAddress, adlen: UInt32(associatedData.count),
                                    t_cost: iterations, m_cost: memoryKiB, lanes: parallelism, threads: parallelism,
                                    version: version, allocate_cbk: Argon2Memory.allocate,
                                    free_cbk: Argon2Memory.free, flags: clearPassword)
                                return unsafe body(&context)
                            }
                        }
                    }
                }
            }
        }
    }
}

extension PHCString.Variant {
    var type: argon2_type {
        switch self {
        case .argon2id: Argon2_id
        case .argon2i: Argon2_i
        }
    }
}
