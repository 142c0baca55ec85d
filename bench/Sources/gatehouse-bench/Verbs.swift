import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

func algorithm(_ options: Options) throws(UsageError) -> JWSAlgorithm? {
    guard let name = options.string("alg") else { return nil }
    guard let algorithm = JWSAlgorithm(rawValue: name) else { throw UsageError("unknown --alg \(name)") }
    return algorithm
}

func keysGenerate(_ options: Options, rotate: Bool) throws -> Int32 {
    let store = KeyStore(directory: try options.required("keys-dir"))
    let entry =
        rotate
        ? try store.rotate(algorithm: algorithm(options)) : try store.generate(algorithm: algorithm(options) ?? .eddsa)
    print(entry.keyID)
    return 0
}

/// The key set the options name: a key directory or HS256 secrets.
func signingKeys(_ options: Options) throws -> SigningKeys {
    let secrets = options.strings("hs256-secret")
    if !secrets.isEmpty { return try SigningKeys(hmacSecrets: secrets.map { Array($0.utf8) }) }
    return try SigningKeys(keysDirectory: try options.required("keys-dir"))
}

func jwks(_ options: Options) throws -> Int32 {
    print(try signingKeys(options).jwksJSON)
    return 0
}

func jwtSign(_ options: Options) throws -> Int32 {
    let claims = Array(try options.required("claims").utf8)
    print(try signingKeys(options).sign(claimsJSON: claims, header: ["typ": options.string("typ") ?? "JWT"]))
    return 0
}

func jwtVerify(_ options: Options) throws -> Int32 {
    let keys = try signingKeys(options)
    let now = try options.double("now").map { Date(timeIntervalSince1970: $0) } ?? Date()
    do {
        let claims = try keys.verify(
            token: try options.required("token"), at: now, leeway: try options.double("leeway") ?? 60,
            issuer: options.string("issuer"), audience: options.string("audience"))
        print(String(decoding: claims.payload, as: UTF8.self))
        return 0
    } catch {
        printError("\(error)")
        return 1
    }
}

func argon2Parameters(_ options: Options) throws(UsageError) -> Argon2id.Parameters {
    let defaults = Argon2id.Parameters.default
    return Argon2id.Parameters(
        memoryKiB: try options.int("memory-kib", default: defaults.memoryKiB),
        iterations: try options.int("iterations", default: defaults.iterations),
        parallelism: try options.int("parallelism", default: defaults.parallelism))
}

func argon2Hash(_ options: Options) throws -> Int32 {
    print(try Argon2id.hash(try options.required("password"), parameters: argon2Parameters(options)))
    return 0
}

func argon2Verify(_ options: Options) throws -> Int32 {
    let matches = try Argon2id.verify(try options.required("password"), encoded: try options.required("hash"))
    print(matches ? "match" : "mismatch")
    return matches ? 0 : 1
}

func otp(_ verb: String, _ options: Options) throws -> Int32 {
    let algorithmName = options.string("alg") ?? "SHA1"
    guard let algorithm = TOTP.Algorithm(rawValue: algorithmName) else {
        throw UsageError("unknown --alg \(algorithmName)")
    }
    let totp = try TOTP(
        base32Secret: try options.required("secret"), algorithm: algorithm,
        digits: try options.int("digits", default: 6),
        period: try options.int("period", default: 30))
    let time = try options.double("time").map { Date(timeIntervalSince1970: $0) } ?? Date()
    switch verb {
    case "totp":
        print(totp.code(at: time))
    case "hotp":
        guard let counter = UInt64(try options.required("counter")) else {
            throw UsageError("--counter must be a number")
        }
        print(totp.hotp(counter: counter))
    case "totp-uri":
        print(totp.uri(account: try options.required("account"), issuer: try options.required("issuer")))
    default:
        guard
            let step = totp.verify(
                try options.required("code"), at: time, window: try options.int("window", default: 1))
        else {
            printError("code does not match")
            return 1
        }
        print(step)
    }
    return 0
}
