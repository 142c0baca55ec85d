// libFuzzer target: the CBOR decoder (both modes), authenticator data, attestation objects and COSE keys on
// inputs the fuzzer chooses. Every input must come back as a value or a CryptoError: a crash, a trap (out of
// range, overflow) or a memory error that AddressSanitizer sees is a finding. Checked on the way: what the
// deterministic mode accepts, the lenient mode accepts too, as the same value.
// Built only by fuzz/run-webauthn.sh (GATEHOUSE_FUZZ=1 adds this target to the package).
import Crypto
#if canImport(Glibc)
import Glibc
#endif
import FuzzerDriver

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOneInput(data!, size) })

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let strict = try? CBORDecoder.decode(bytes)
    let lenient = try? CBORDecoder.decode(bytes, limits: .lenient)
    if let strict {
        guard let lenient else { fatalError("deterministic CBOR refused by the lenient decoder") }
        if !containsFloat(strict), strict != lenient { fatalError("the two modes disagree") }
        _ = try? COSEKey(strict)
    }
    _ = try? WebAuthn.parseAuthenticatorData(bytes)
    _ = try? AttestationObject(bytes)
    return 0
}

/// NaN is not equal to itself, so values holding floats are not compared.
private func containsFloat(_ value: CBOR) -> Bool {
    switch value {
    case .float: true
    case .array(let items): items.contains(where: containsFloat)
    case .map(let entries): entries.contains { containsFloat($0.key) || containsFloat($0.value) }
    case .tagged(_, let inner): containsFloat(inner)
    default: false
    }
}
