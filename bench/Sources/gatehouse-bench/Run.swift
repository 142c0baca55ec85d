import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

let usage = """
    usage: gatehouse-bench VERB [OPTIONS]

    Interop verbs (drive the Crypto module without the HTTP server):
      keys-generate --keys-dir D [--alg EdDSA|ES256|RS256]   print the new kid
      keys-rotate   --keys-dir D [--alg EdDSA|ES256|RS256]   print the new kid
      jwks          --keys-dir D                             print the JWKS document
      jwt-sign      (--keys-dir D | --hs256-secret S ...) --claims JSON [--typ T]
      jwt-verify    (--keys-dir D | --hs256-secret S ...) --token T [--now UNIX] [--leeway S]
                    [--issuer I] [--audience A]        print the payload; on failure the error, exit 1
      argon2-hash   --password P [--memory-kib M --iterations T --parallelism P]
      argon2-verify --password P --hash PHC            print match (exit 0) or mismatch (exit 1)
      totp          --secret B32 --time UNIX [--alg SHA1|SHA256|SHA512] [--digits N] [--period S]
      totp-verify   --secret B32 --time UNIX --code C [--alg ...] [--digits N] [--period S] [--window W]
      totp-uri      --secret B32 --account A --issuer I [--alg ...] [--digits N] [--period S]
      hotp          --secret B32 --counter N [--alg ...] [--digits N]

    Benchmark:
      bench [--seconds S] [--only NAME] [--iterations N]
                                                      per-operation CPU time, one RESULT line each
                                                      (--iterations: a fixed count, for profiling)

    policy-compile --file F.csv [--rounds N]   time a policy snapshot rebuild (read + compile), median ms
    Exit status: 0 success, 1 failure explained on stderr, 2 usage error.
    """

/// Runs one verb; returns the exit status.
func runGatehouseBench(_ arguments: [String]) -> Int32 {
    guard let verb = arguments.first else {
        printError(usage)
        return 2
    }
    do {
        let options = try Options(arguments.dropFirst())
        switch verb {
        case "keys-generate": return try keysGenerate(options, rotate: false)
        case "keys-rotate": return try keysGenerate(options, rotate: true)
        case "jwks": return try jwks(options)
        case "jwt-sign": return try jwtSign(options)
        case "jwt-verify": return try jwtVerify(options)
        case "argon2-hash": return try argon2Hash(options)
        case "argon2-verify": return try argon2Verify(options)
        case "totp", "totp-verify", "totp-uri", "hotp": return try otp(verb, options)
        case "bench": return try runBenchmarks(options)
        case "policy-compile": return try policyCompile(options)
        case "help", "--help", "-h":
            print(usage)
            return 0
        default:
            throw UsageError("unknown verb \(verb)")
        }
    } catch let error as UsageError {
        printError("gatehouse-bench: \(error.message)\n\n\(usage)")
        return 2
    } catch {
        printError("gatehouse-bench: \(error)")
        return 1
    }
}
