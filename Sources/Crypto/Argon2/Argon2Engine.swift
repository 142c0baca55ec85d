internal import CArgon2id

/// Which implementation computes an Argon2 tag: Gatehouse's own Argon2id (CArgon2id) with one of its block
/// compression paths, or libargon2.
///
/// CArgon2id takes Argon2id version 0x13, the only kind Gatehouse writes, and is the default wherever the
/// CPU has SSE2 or AVX2 (every x86-64 CPU); libargon2 (Debian's portable reference build) computes
/// everything else (argon2i, version 0x10 hashes from older systems) and is the oracle of the tests.
enum Argon2Engine: String, CaseIterable, Sendable {
    case libargon2
    case portable
    case sse2
    case avx2

    /// What ``Argon2id`` uses for argon2id version 0x13: CArgon2id's fastest path when it has one with
    /// SIMD instructions, else libargon2 (whose reference build is faster than our plain C path).
    static let preferred: Argon2Engine = {
        switch cargon2id_best_path() {
        case CARGON2ID_PATH_AVX2: .avx2
        case CARGON2ID_PATH_SSE2: .sse2
        default: .libargon2
        }
    }()

    /// True when this CPU can run the engine (libargon2 and the portable path always).
    var isAvailable: Bool {
        guard let path else { return true }
        return cargon2id_path_available(path) != 0
    }

    /// The engine that computes `variant` at `version`: ``preferred`` where CArgon2id applies.
    static func engine(for variant: PHCString.Variant, version: UInt32) -> Argon2Engine {
        variant == .argon2id && version == PHCString.version13 ? preferred : .libargon2
    }

    fileprivate var path: cargon2id_path? {
        switch self {
        case .libargon2: nil
        case .portable: CARGON2ID_PATH_PORTABLE
        case .sse2: CARGON2ID_PATH_SSE2
        case .avx2: CARGON2ID_PATH_AVX2
        }
    }
}

/// Calls into CArgon2id (Argon2id version 0x13 only).
enum Argon2Native {
    /// The tag of Argon2id over the given inputs, computed by `engine`'s path.
    static func compute(
        engine: Argon2Engine, password: inout [UInt8], salt: [UInt8], secret: [UInt8], associatedData: [UInt8],
        memoryKiB: UInt32, iterations: UInt32, parallelism: UInt32, tagLength: Int
    ) throws(CryptoError) -> [UInt8] {
        var tag = [UInt8](repeating: 0, count: tagLength)
        let rc = unsafe run(
            engine: engine, password: &password, salt: salt, secret: secret, associatedData: associatedData,
            memoryKiB: memoryKiB, iterations: iterations, parallelism: parallelism
        ) { input, area, size, path in
            unsafe tag.withUnsafeMutableBufferPointer { tag in
                unsafe cargon2id_hash(input, tag.baseAddress, tag.count, area, size, path)
            }
        }
        guard rc == CARGON2ID_OK else { throw CryptoError.argon2(message(rc)) }
        return tag
    }

    /// Whether Argon2id over the given inputs gives `expected`; the comparison is constant-time, in C.
    static func verify(
        engine: Argon2Engine, password: inout [UInt8], salt: [UInt8], memoryKiB: UInt32, iterations: UInt32,
        parallelism: UInt32, expected: [UInt8]
    ) throws(CryptoError) -> Bool {
        let rc = unsafe run(
            engine: engine, password: &password, salt: salt, secret: [], associatedData: [], memoryKiB: memoryKiB,
            iterations: iterations, parallelism: parallelism
        ) { input, area, size, path in
            unsafe expected.withUnsafeBufferPointer { expected in
                unsafe cargon2id_verify(input, expected.baseAddress, expected.count, area, size, path)
            }
        }
        switch rc {
        case CARGON2ID_OK: return true
        case CARGON2ID_MISMATCH: return false
        default: throw CryptoError.argon2(message(rc))
        }
    }

    /// For the tests: hashes in an area of its own, filled with 0xA5 beforehand, and reports whether every
    /// byte of it was zero afterwards (no block of a password's hash outlives the call).
    static func hashLeavesAreaWiped(
        engine: Argon2Engine, password: [UInt8], salt: [UInt8], memoryKiB: UInt32, iterations: UInt32,
        parallelism: UInt32
    ) -> Bool {
        guard let path = engine.path else { return false }
        let size = cargon2id_memory_size(memoryKiB, parallelism)
        let area = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
        defer { unsafe area.deallocate() }
        unsafe area.initializeMemory(as: UInt8.self, repeating: 0xA5)
        var tag = [UInt8](repeating: 0, count: 32)
        let rc = unsafe password.withUnsafeBufferPointer { password in
            unsafe salt.withUnsafeBufferPointer { salt in
                var input = unsafe cargon2id_input(
                    password: password.baseAddress, password_length: password.count, salt: salt.baseAddress,
                    salt_length: salt.count, secret: nil, secret_length: 0, associated_data: nil,
                    associated_data_length: 0, memory_kib: memoryKiB, iterations: iterations,
                    parallelism: parallelism)
                return unsafe tag.withUnsafeMutableBufferPointer { tag in
                    unsafe cargon2id_hash(&input, tag.baseAddress, tag.count, area.baseAddress, size, path)
                }
            }
        }
        let wiped = unsafe area.allSatisfy { $0 == 0 }
        return rc == CARGON2ID_OK && wiped
    }

    /// Builds the C input around our buffers, lends it the process's work area (``Argon2Memory``), and
    /// wipes the caller's password bytes afterwards, as libargon2's `ARGON2_FLAG_CLEAR_PASSWORD` does
    /// (CArgon2id wipes the area).
    @unsafe
    private static func run(
        engine: Argon2Engine, password: inout [UInt8], salt: [UInt8], secret: [UInt8], associatedData: [UInt8],
        memoryKiB: UInt32, iterations: UInt32, parallelism: UInt32,
        _ body: (UnsafePointer<cargon2id_input>, UnsafeMutableRawPointer, Int, cargon2id_path) -> Int32
    ) -> Int32 {
        guard let path = engine.path else { return CARGON2ID_PATH_UNAVAILABLE }
        let size = cargon2id_memory_size(memoryKiB, parallelism)
        guard size > 0 else { return CARGON2ID_BAD_PARAMETERS }
        defer { for index in password.indices { password[index] = 0 } }
        return unsafe password.withUnsafeBufferPointer { password in
            unsafe salt.withUnsafeBufferPointer { salt in
                unsafe secret.withUnsafeBufferPointer { secret in
                    unsafe associatedData.withUnsafeBufferPointer { associatedData in
                        var input = unsafe cargon2id_input(
                            password: password.baseAddress, password_length: password.count,
                            salt: salt.baseAddress, salt_length: salt.count, secret: secret.baseAddress,
                            secret_length: secret.count, associated_data: associatedData.baseAddress,
                            associated_data_length: associatedData.count, memory_kib: memoryKiB,
                            iterations: iterations, parallelism: parallelism)
                        return unsafe Argon2Memory.withArea(size) { area in
                            unsafe body(&input, area, size, path)
                        }
                    }
                }
            }
        }
    }

    private static func message(_ code: Int32) -> String {
        switch code {
        case CARGON2ID_BAD_PARAMETERS: "CArgon2id: parameter out of range"
        case CARGON2ID_AREA_TOO_SMALL: "CArgon2id: work area too small"
        case CARGON2ID_PATH_UNAVAILABLE: "CArgon2id: compression path not available on this CPU"
        default: "CArgon2id error \(code)"
        }
    }
}
