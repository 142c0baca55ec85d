import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Access-token claims shaped like API.md's: 454 bytes of JSON.
let benchmarkClaims =
    Array(
        #"{"iss":"https://auth.example.com","aud":"gatehouse","sub":"6f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e","#.utf8)
    + Array(#""sid":"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","jti":"1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e","#.utf8)
    + Array(#""iat":1750000000,"nbf":1750000000,"exp":1750000900,"email":"john@company.com","name":"John Doe","#.utf8)
    + Array(#""roles":["field-engineer"],"permissions":["user:read","field:manage","assets:read"],"#.utf8)
    + Array(#""ctx":{"zone":"ZoneA","department":"FieldTeam","role":"field-engineer","primary":true}}"#.utf8)
let benchmarkNow = Date(timeIntervalSince1970: 1_750_000_100)

/// Runs `body` in batches until `seconds` of CPU time have passed, or exactly `iterations` times when given
/// (for instruction-count profiling, where time means nothing); returns CPU µs per call and the count.
func measure(
    seconds: Double, iterations: Int? = nil, batch: Int = 8, _ body: () throws -> Void
) rethrows -> (microseconds: Double, count: Int) {
    try body()  // warm up: first-use allocations, lazy statics
    var count = 0
    let start = processCPUSeconds()
    var elapsed = 0.0
    while iterations.map({ count < $0 }) ?? (elapsed < seconds) {
        for _ in 0..<batch { try body() }
        count += batch
        elapsed = processCPUSeconds() - start
    }
    return (elapsed / Double(count) * 1e6, count)
}

func report(_ name: String, _ result: (microseconds: Double, count: Int)) {
    print("RESULT \(name) \(twoDecimals(result.microseconds)) us/op \(result.count) ops")
}

/// `value` with two decimals (String(format:) needs full Foundation).
func twoDecimals(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}

func runBenchmarks(_ options: Options) throws -> Int32 {
    let seconds = try options.double("seconds") ?? 3
    let only = options.string("only")
    let iterations = try options.string("iterations").map { _ in try options.int("iterations", default: 0) }
    func wanted(_ name: String) -> Bool { only.map { name.hasPrefix($0) } ?? true }

    let directory = "/tmp/gatehouse-bench-" + Base64URL.encode(Random.bytes(count: 9))
    defer { try? FileManager.default.removeItem(atPath: directory) }

    for algorithm in [JWSAlgorithm.eddsa, .es256, .rs256, .hs256] {
        guard wanted("sign-\(algorithm.rawValue)") || wanted("verify-\(algorithm.rawValue)") else { continue }
        let keys: SigningKeys
        if algorithm == .hs256 {
            keys = try SigningKeys(hmacSecrets: [Random.bytes(count: 32)])
        } else {
            let keyDirectory = directory + "/" + algorithm.rawValue
            try KeyStore(directory: keyDirectory).generate(algorithm: algorithm)
            keys = try SigningKeys(keysDirectory: keyDirectory)
        }
        let token = try keys.sign(claimsJSON: benchmarkClaims)
        if wanted("sign-\(algorithm.rawValue)") {
            report(
                "sign-\(algorithm.rawValue)",
                try measure(seconds: seconds, iterations: iterations) { _ = try keys.sign(claimsJSON: benchmarkClaims) }
            )
        }
        if wanted("verify-\(algorithm.rawValue)") {
            report(
                "verify-\(algorithm.rawValue)",
                try measure(seconds: seconds, iterations: iterations) {
                    _ = try keys.verify(
                        token: token, at: benchmarkNow, issuer: "https://auth.example.com", audience: "gatehouse")
                })
        }
    }

    try apiKeyBenchmarks(directory: directory, seconds: seconds, iterations: iterations, wanted: wanted)
    try requestBenchmarks(directory: directory, seconds: seconds, iterations: iterations, wanted: wanted)

    if wanted("argon2id") {
        let encoded = try Argon2id.hash("correct horse battery staple")
        report(
            "argon2id-hash",
            try measure(seconds: seconds, iterations: iterations, batch: 1) {
                _ = try Argon2id.hash("correct horse battery staple")
            })
        report(
            "argon2id-verify",
            try measure(seconds: seconds, iterations: iterations, batch: 1) {
                guard try Argon2id.verify("correct horse battery staple", encoded: encoded) else {
                    fatalError("argon2id mismatch")
                }
            })
    }
    return 0
}
