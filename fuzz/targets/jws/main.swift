// The JWS parser and the claims checks: the input as a compact token against an HS256 key set and against an
// EdDSA + ES256 key set (every check before the signature runs on whatever the input says, and the signature
// check on whatever signature it carries), and as a payload for the claims checks of an already verified token.
import FuzzSupport
@testable import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

let hmac = try! SigningKeys(hmacSecrets: [Array("an HS256 secret of at least 32 bytes, for fuzzing".utf8)])
let keysDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-fuzz-jws-\(UUID().uuidString)").path
let asymmetric: SigningKeys = {
    let store = KeyStore(directory: keysDirectory)
    _ = try! store.generate(algorithm: .eddsa)
    _ = try! store.rotate(algorithm: .es256)  // EdDSA stays as a passive key
    let keys = try! SigningKeys(keysDirectory: keysDirectory)
    try? FileManager.default.removeItem(atPath: keysDirectory)
    return keys
}()
let now = Date(timeIntervalSince1970: 1_800_000_000)

runFuzzer { bytes in
    let input = text(bytes)
    _ = try? TokenParts(input)
    for keys in [hmac, asymmetric] {
        if let claims = try? keys.verify(token: input, at: now, issuer: "https://auth.example", audience: "gatehouse") {
            _ = claims.subject
            _ = claims.audience
        }
    }
    _ = try? VerifiedClaims(
        payload: bytes, algorithm: .hs256, keyID: nil, at: now, leeway: 60, issuer: "https://auth.example",
        audience: "gatehouse")
    _ = try? VerifiedClaims(
        payload: bytes, algorithm: .eddsa, keyID: "k", at: now, leeway: 0, issuer: nil, audience: nil)
}
