import Foundation
import Testing
@testable import Crypto

struct Argon2Vectors: Decodable {
    struct Common: Decodable {
        let memory_kib: UInt32, iterations: UInt32, parallelism: UInt32, tag_length: Int
        let password_hex: String, salt_hex: String, secret_hex: String, ad_hex: String
    }
    struct PHC: Decodable {
        let password: String
        let argon2id: String
        let argon2i: String
        let argon2id_v16_m64: String
    }
    let common: Common
    let argon2i_tag_hex: String
    let argon2id_tag_hex: String
    let phc: PHC
}

@Suite("Argon2id password hashes")
struct Argon2Tests {
    let vectors: Argon2Vectors
    init() throws { vectors = try loadVector("argon2") }

    /// Cheap parameters so the functional tests stay fast; the defaults are checked once.
    let cheap = Argon2id.Parameters(memoryKiB: 64, iterations: 1, parallelism: 1)

    @Test(
        "RFC 9106 5.3 (Argon2id) and 5.2 (Argon2i): the tags, with secret and associated data",
        arguments: [PHCString.Variant.argon2id, .argon2i])
    func rfc9106(variant: PHCString.Variant) throws {
        let c = vectors.common
        let tag = try Argon2id.compute(
            variant: variant, version: 0x13, password: hexBytes(c.password_hex), salt: hexBytes(c.salt_hex),
            secret: hexBytes(c.secret_hex), associatedData: hexBytes(c.ad_hex), memoryKiB: c.memory_kib,
            iterations: c.iterations, parallelism: c.parallelism, tagLength: c.tag_length)
        #expect(hexString(tag) == (variant == .argon2id ? vectors.argon2id_tag_hex : vectors.argon2i_tag_hex))
    }

    @Test("hashes made by argon2-cffi verify: argon2id, argon2i, and version 16")
    func foreignHashes() throws {
        let phc = vectors.phc
        for encoded in [phc.argon2id, phc.argon2i, phc.argon2id_v16_m64] {
            #expect(try Argon2id.verify(phc.password, encoded: encoded))
            #expect(try !Argon2id.verify("Password", encoded: encoded))
        }
    }

    @Test("our PHC string for argon2-cffi's salt is byte for byte argon2-cffi's")
    func samePHCString() throws {
        let expected = try #require(PHCString(parsing: vectors.phc.argon2id))
        let tag = try Argon2id.compute(
            variant: .argon2id, version: 0x13, password: utf8("password"), salt: expected.salt, memoryKiB: 19456,
            iterations: 2, parallelism: 1, tagLength: 32)
        var ours = expected
        ours.hash = tag
        #expect(ours.encoded == vectors.phc.argon2id)
    }

    @Test("the default parameters are m=19456, t=2, p=1 with a 16-byte salt and a 32-byte tag")
    func defaults() throws {
        let encoded = try Argon2id.hash("correct horse battery staple")
        #expect(encoded.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))
        let phc = try #require(PHCString(parsing: encoded))
        #expect(phc.salt.count == 16)
        #expect(phc.hash.count == 32)
        #expect(try Argon2id.verify("correct horse battery staple", encoded: encoded))
        #expect(!Argon2id.needsRehash(encoded))
    }

    @Test("hash then verify: the right password matches, others do not, and salts differ")
    func roundTrip() throws {
        let a = try Argon2id.hash("pässwörd", parameters: cheap)
        let b = try Argon2id.hash("pässwörd", parameters: cheap)
        #expect(a != b)
        #expect(try Argon2id.verify("pässwörd", encoded: a))
        #expect(try !Argon2id.verify("passwörd", encoded: a))
        #expect(try !Argon2id.verify("", encoded: a))
        let empty = try Argon2id.hash("", parameters: cheap)
        #expect(try Argon2id.verify("", encoded: empty))
    }

    @Test("needsRehash is true for other parameters, other variants, old versions and unreadable strings")
    func needsRehash() throws {
        let ours = try Argon2id.hash("pw", parameters: cheap)
        #expect(!Argon2id.needsRehash(ours, parameters: cheap))
        #expect(Argon2id.needsRehash(ours))
        #expect(Argon2id.needsRehash(ours, parameters: .init(memoryKiB: 64, iterations: 2, parallelism: 1)))
        #expect(
            Argon2id.needsRehash(ours, parameters: .init(memoryKiB: 64, iterations: 1, parallelism: 1, tagLength: 16)))
        #expect(Argon2id.needsRehash(vectors.phc.argon2i))
        #expect(
            Argon2id.needsRehash(
                vectors.phc.argon2id_v16_m64, parameters: .init(memoryKiB: 64, iterations: 2, parallelism: 1)))
        #expect(!Argon2id.needsRehash(vectors.phc.argon2id))
        #expect(Argon2id.needsRehash("$2b$12$bcrypthashbcrypthashbcrypthashbcrypthashbcrypthashbcry"))
    }

    @Test("a hash naming more memory, passes or lanes than the cap is refused before any work")
    func cap() throws {
        let salt = "c29tZXNhbHRzb21lc2FsdA", tag = "K13EBUiG7JV+9ZxztmHFTdb7J0WQsnj2V8bZaqyPptE"
        let oneGiB = "$argon2id$v=19$m=1048576,t=2,p=1$\(salt)$\(tag)"
        #expect(throws: CryptoError.hashParametersOverCap) { try Argon2id.verify("password", encoded: oneGiB) }
        #expect(throws: CryptoError.hashParametersOverCap) {
            try Argon2id.verify("password", encoded: "$argon2id$v=19$m=19456,t=100,p=1$\(salt)$\(tag)")
        }
        #expect(throws: CryptoError.hashParametersOverCap) {
            try Argon2id.verify("password", encoded: "$argon2id$v=19$m=19456,t=2,p=16$\(salt)$\(tag)")
        }
        let tight = Argon2id.Parameters(memoryKiB: 16384, iterations: 2, parallelism: 1)
        #expect(throws: CryptoError.hashParametersOverCap) {
            try Argon2id.verify("password", encoded: vectors.phc.argon2id, cap: tight)
        }
        // argon2-cffi's defaults (m=65536, t=3, p=4) are within the default cap.
        #expect(throws: Never.self) {
            try Argon2id.verify("x", encoded: "$argon2id$v=19$m=65536,t=3,p=4$\(salt)$\(tag)")
        }
    }

    @Test(
        "strings that are not argon2id or argon2i PHC strings are malformed",
        arguments: [
            "", "password",
            "$argon2d$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$K13EBUiG7JV+9ZxztmHFTdb7J0WQsnj2V8bZaqyPptE",
            "$argon2id$v=18$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$K13EBUiG7JV+9ZxztmHFTdb7J0WQsnj2V8bZaqyPptE",
            "$argon2id$v=19$t=1,m=64,p=1$c29tZXNhbHRzb21lc2FsdA$K13EBUiG7JV+9ZxztmHFTdb7J0WQsnj2V8bZaqyPptE",
            "$argon2id$v=19$m=064,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$K13EBUiG7JV+9ZxztmHFTdb7J0WQsnj2V8bZaqyPptE",
            "$argon2id$v=19$m=64,t=0,p=1$c29tZXNhbHRzb21lc2FsdA$K13EBUiG7JV+9ZxztmHFTdb7J0WQsnj2V8bZaqyPptE",
            "$argon2id$v=19$m=64,t=1,p=1$c29tZXM$K13EBUiG7JV+9ZxztmHFTdb7J0WQsnj2V8bZaqyPptE",
            "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA==$K13EBUiG7JV+9ZxztmHFTdb7J0WQsnj2V8bZaqyPptE",
            "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$K13EBUiG7JV-9ZxztmHFTdb7J0WQsnj2V8bZaqyPptE",
            "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$K13EBUiG7JV+9ZxztmHFTdb7J0WQsnj2V8bZaqyPptE$",
            "$argon2id$v=19$m=4,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$K13EBUiG7JV+9ZxztmHFTdb7J0WQsnj2V8bZaqyPptE",
            "$argon2id$v=19$m=99999999999,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$K13EBUiG7JV+9ZxztmHFTdb7J0WQsnj2V8bZaqyPptE",
        ])
    func malformed(encoded: String) {
        #expect(throws: CryptoError.malformedHash) { try Argon2id.verify("password", encoded: encoded) }
        #expect(Argon2id.needsRehash(encoded))
    }

    @Test("parameters outside libargon2's ranges are refused when hashing")
    func badParameters() {
        for parameters in [
            Argon2id.Parameters(memoryKiB: 4, iterations: 1, parallelism: 1),
            .init(memoryKiB: 64, iterations: 0, parallelism: 1),
            .init(memoryKiB: 64, iterations: 1, parallelism: 0),
            .init(memoryKiB: 64, iterations: 1, parallelism: 1, saltLength: 4),
            .init(memoryKiB: 64, iterations: 1, parallelism: 1, tagLength: 2),
        ] {
            #expect(throws: CryptoError.invalidInput) { try Argon2id.hash("pw", parameters: parameters) }
        }
    }

    @Test("hashes on several threads at once share the reused work area safely")
    func concurrentHashes() async throws {
        let parameters = Argon2id.Parameters(memoryKiB: 4096, iterations: 1, parallelism: 1)
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<8 {
                group.addTask {
                    let encoded = try Argon2id.hash("password \(index)", parameters: parameters)
                    return try Argon2id.verify("password \(index)", encoded: encoded)
                        && !Argon2id.verify("password \(index + 1)", encoded: encoded)
                }
            }
            for try await matched in group { #expect(matched) }
        }
    }
}
