// The JWS parser and the claims checks: the input as a compact token against an HS256 key set and an Ed25519
// one (every check before the signature runs on whatever the input says), and as a payload for the claims
// checks of an already verified token.
import FuzzSupport
@testable import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

let hmac = try! SigningKeys(hmacSecrets: [Array("an HS256 secret of at least 32 bytes, for fuzzing".utf8)])
let now = Date(timeIntervalSince1970: 1_800_000_000)

runFuzzer { bytes in
    let input = text(bytes)
    _ = try? TokenParts(input)
    if let claims = try? hmac.verify(token: input, at: now, issuer: "https://auth.example", audience: "gatehouse") {
        _ = claims.subject
        _ = claims.audience
    }
    _ = try? VerifiedClaims(
        payload: bytes, algorithm: .hs256, keyID: nil, at: now, leeway: 60, issuer: "https://auth.example",
        audience: "gatehouse")
    _ = try? VerifiedClaims(
        payload: bytes, algorithm: .eddsa, keyID: "k", at: now, leeway: 0, issuer: nil, audience: nil)
}
