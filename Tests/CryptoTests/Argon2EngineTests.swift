import Testing
@testable import Crypto

/// A small deterministic generator (SplitMix64), so a failing combination can be found again from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Gatehouse's own Argon2id (CArgon2id) against libargon2, path by path.
@Suite("CArgon2id, Gatehouse's own Argon2id, matches libargon2 on every compression path")
struct Argon2EngineTests {
    /// The CArgon2id paths this CPU can run; each is forced in turn.
    static let paths = [Argon2Engine.portable, .sse2, .avx2].filter(\.isAvailable)

    let vectors: Argon2Vectors
    init() throws { vectors = try loadVector("argon2") }

    @Test("RFC 9106 5.3: the Argon2id tag with secret and associated data, on each path", arguments: paths)
    func rfc9106(engine: Argon2Engine) throws {
        let c = vectors.common
        let tag = try Argon2id.compute(
            variant: .argon2id, version: 0x13, password: hexBytes(c.password_hex), salt: hexBytes(c.salt_hex),
            secret: hexBytes(c.secret_hex), associatedData: hexBytes(c.ad_hex), memoryKiB: c.memory_kib,
            iterations: c.iterations, parallelism: c.parallelism, tagLength: c.tag_length, engine: engine)
        #expect(hexString(tag) == vectors.argon2id_tag_hex)
    }

    @Test(
        "argon2-cffi's hash at Gatehouse's defaults (m=19456, t=2, p=1) comes out byte for byte, on each path",
        arguments: paths)
    func defaultsMatchForeignHash(engine: Argon2Engine) throws {
        let expected = try #require(PHCString(parsing: vectors.phc.argon2id))
        let tag = try Argon2id.compute(
            variant: .argon2id, version: 0x13, password: utf8("password"), salt: expected.salt, memoryKiB: 19456,
            iterations: 2, parallelism: 1, tagLength: 32, engine: engine)
        #expect(tag == expected.hash)
    }

    /// 2,000 random combinations of every input, each hashed by libargon2 and by every path.
    @Test("random passwords, salts, secrets, associated data, m, t, p and tag lengths give libargon2's tags")
    func randomCombinations() throws {
        var random = SplitMix64(state: 0x6761_7465_686F_7573)
        var mismatches: [String] = []
        for round in 0..<2000 {
            let parallelism = UInt32.random(in: 1...4, using: &random)
            // Mostly small areas (quick), now and then one large enough for several address blocks per segment.
            let extra: UInt32 =
                round % 100 == 0 ? .random(in: 0...2048, using: &random) : .random(in: 0...96, using: &random)
            let memoryKiB = 8 * parallelism + extra
            let iterations = UInt32.random(in: 1...3, using: &random)
            // Tags over 64 bytes take H' with several BLAKE2b calls (RFC 9106 §3.3).
            let tagLength =
                round % 4 == 0 ? Int.random(in: 65...300, using: &random) : Int.random(in: 4...64, using: &random)
            func bytes(_ range: ClosedRange<Int>) -> [UInt8] {
                (0..<Int.random(in: range, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            }
            let password = bytes(0...80), salt = bytes(8...64), secret = bytes(0...40), ad = bytes(0...40)
            let reference = try Argon2id.compute(
                variant: .argon2id, version: 0x13, password: password, salt: salt, secret: secret,
                associatedData: ad, memoryKiB: memoryKiB, iterations: iterations, parallelism: parallelism,
                tagLength: tagLength, engine: .libargon2)
            for engine in Self.paths {
                let tag = try Argon2id.compute(
                    variant: .argon2id, version: 0x13, password: password, salt: salt, secret: secret,
                    associatedData: ad, memoryKiB: memoryKiB, iterations: iterations, parallelism: parallelism,
                    tagLength: tagLength, engine: engine)
                if tag != reference {
                    mismatches.append(
                        "round \(round) \(engine): m=\(memoryKiB) t=\(iterations) p=\(parallelism) T=\(tagLength)")
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test("argon2id version 0x13 goes to CArgon2id's fastest SIMD path; argon2i and version 0x10 to libargon2")
    func engineChoice() {
        let best: Argon2Engine =
            Argon2Engine.avx2.isAvailable ? .avx2 : Argon2Engine.sse2.isAvailable ? .sse2 : .libargon2
        #expect(Argon2Engine.preferred == best)
        #expect(Argon2Engine.engine(for: .argon2id, version: 0x13) == best)
        #expect(Argon2Engine.engine(for: .argon2id, version: 0x10) == .libargon2)
        #expect(Argon2Engine.engine(for: .argon2i, version: 0x13) == .libargon2)
    }

    @Test("CArgon2id refuses argon2i and version 0x10 rather than computing something else")
    func refusesOtherKinds() {
        for (variant, version) in [(PHCString.Variant.argon2i, UInt32(0x13)), (.argon2id, 0x10)] {
            #expect(throws: CryptoError.invalidInput) {
                try Argon2id.compute(
                    variant: variant, version: version, password: [1], salt: [UInt8](repeating: 2, count: 16),
                    memoryKiB: 64, iterations: 1, parallelism: 1, tagLength: 32, engine: Self.paths[0])
            }
        }
    }

    @Test("parameters below RFC 9106's minimum (m < 8p) are refused by CArgon2id as by libargon2")
    func tooLittleMemory() {
        for engine in Self.paths + [.libargon2] {
            #expect(throws: CryptoError.argon2) {
                try Argon2id.compute(
                    variant: .argon2id, version: 0x13, password: [1], salt: [UInt8](repeating: 2, count: 16),
                    memoryKiB: 15, iterations: 1, parallelism: 2, tagLength: 32, engine: engine)
            }
        }
    }

    @Test("after a hash the work area holds only zeros, on each path", arguments: paths)
    func areaWiped(engine: Argon2Engine) {
        for (m, t, p) in [(UInt32(64), UInt32(1), UInt32(1)), (256, 2, 2), (19456, 2, 1)] {
            #expect(
                Argon2Native.hashLeavesAreaWiped(
                    engine: engine, password: utf8("wipe me"), salt: [UInt8](repeating: 7, count: 16),
                    memoryKiB: m, iterations: t, parallelism: p))
        }
    }

    @Test("a verify with CArgon2id rejects each flipped bit of the stored tag")
    func flippedTagBits() throws {
        let parameters = Argon2id.Parameters(memoryKiB: 64, iterations: 1, parallelism: 1)
        let encoded = try Argon2id.hash("pw", parameters: parameters)
        var phc = try #require(PHCString(parsing: encoded))
        for bit in stride(from: 0, to: phc.hash.count * 8, by: 37) {
            phc.hash[bit / 8] ^= 1 << (bit % 8)
            #expect(try !Argon2id.verify("pw", encoded: phc.encoded))
            phc.hash[bit / 8] ^= 1 << (bit % 8)
        }
        #expect(try Argon2id.verify("pw", encoded: phc.encoded))
    }
}
