// Crypto's JSON scanner (JWS headers and claims): every key, every value skipped or read as its type.
import FuzzSupport
@testable import Crypto

runFuzzer { bytes in
    guard var scanner = try? JSONScanner(bytes, failure: CryptoError.payloadNotObject) else { return }
    var keys = 0
    while keys < 10_000, let key = try? scanner.nextKey() {
        keys += 1
        _ = scanner.packedName(key)
        if scanner.nextIsString() {
            if keys % 2 == 0 { guard (try? scanner.readString()) != nil else { return } }
            else { guard (try? scanner.readStringOrStrings()) != nil else { return } }
        } else if scanner.nextIsNumber() {
            guard (try? scanner.readNumber()) != nil else { return }
        } else {
            guard (try? scanner.skipValue()) != nil else { return }
        }
    }
}
