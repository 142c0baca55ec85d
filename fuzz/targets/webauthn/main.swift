// The WebAuthn parsers: the CBOR decoder (both modes), authenticator data, attestation objects and COSE keys on
// inputs the fuzzer chooses. Every input must come back as a value or a CryptoError: a crash, a trap (out of range,
// overflow) or a memory error that AddressSanitizer sees is a finding. Checked on the way: what the deterministic
// mode accepts, the lenient mode accepts too, as the same value. Seeds: the CryptoTests WebAuthn fixtures (made by
// a software authenticator) and a few RFC 8949 examples.
import Crypto
import FuzzSupport

runFuzzer { bytes in
    let strict = try? CBORDecoder.decode(bytes)
    let lenient = try? CBORDecoder.decode(bytes, limits: .lenient)
    if let strict {
        guard let lenient else { fatalError("deterministic CBOR refused by the lenient decoder") }
        if !containsFloat(strict), strict != lenient { fatalError("the two modes disagree") }
        _ = try? COSEKey(strict)
    }
    _ = try? WebAuthn.parseAuthenticatorData(bytes)
    _ = try? AttestationObject(bytes)
}

/// NaN is not equal to itself, so values holding floats are not compared.
func containsFloat(_ value: CBOR) -> Bool {
    switch value {
    case .float: true
    case .array(let items): items.contains(where: containsFloat)
    case .map(let entries): entries.contains { containsFloat($0.key) || containsFloat($0.value) }
    case .tagged(_, let inner): containsFloat(inner)
    default: false
    }
}
