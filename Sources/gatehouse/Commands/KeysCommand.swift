import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let keysUsage = """
    usage: gatehouse keys generate [--alg EdDSA|ES256|RS256] [--if-missing]
           gatehouse keys rotate [--alg EdDSA|ES256|RS256]
           gatehouse keys list [--json]
           gatehouse keys retire KID

      generate  make the first signing key, active at once (--if-missing: do nothing if one is active)
      rotate    make a new active key; the old one keeps verifying until retired
      list      every key with its state: active, passive (verifies only) or retired
      retire    stop a passive key verifying and delete its private key; retire a key only after
                every token it signed has expired (JWT_EXPIRES_IN)
    """

/// `gatehouse keys …`: signing keys in `keysDirectory` (KEYS_DIR).
/// - Returns: 0 on success, 1 on a failure explained on stderr, 2 on a usage error.
func runKeysCommand(_ arguments: [String], keysDirectory: String) -> Int32 {
    guard let verb = arguments.first else { return keysUsageError("a subcommand is required") }
    var rest = Array(arguments.dropFirst())
    let store = KeyStore(directory: keysDirectory)
    do {
        switch verb {
        case "generate":
            let ifMissing = takeFlag("--if-missing", from: &rest)
            let algorithm = try takeAlgorithm(from: &rest) ?? .eddsa
            guard rest.isEmpty else { return keysUsageError("unexpected \(rest.joined(separator: " "))") }
            if ifMissing, let active = try store.list().first(where: { $0.state == .active }) {
                print("active key \(active.entry.keyID) (\(active.entry.algorithm.rawValue)) exists; nothing to do")
                return 0
            }
            let entry = try store.generate(algorithm: algorithm)
            print("generated \(entry.algorithm.rawValue) key \(entry.keyID), now active")
        case "rotate":
            let algorithm = try takeAlgorithm(from: &rest)
            guard rest.isEmpty else { return keysUsageError("unexpected \(rest.joined(separator: " "))") }
            let previous = try store.list().first(where: { $0.state == .active })?.entry.keyID
            let entry = try store.rotate(algorithm: algorithm)
            print("generated \(entry.algorithm.rawValue) key \(entry.keyID), now active")
            if let previous { print("key \(previous) is passive: it verifies until retired") }
            print("reload the workers (SIGHUP) so they sign with the new key")
        case "list":
            let json = takeFlag("--json", from: &rest)
            guard rest.isEmpty else { return keysUsageError("unexpected \(rest.joined(separator: " "))") }
            printKeyList(try store.list(), json: json)
        case "retire":
            guard rest.count == 1 else { return keysUsageError("retire takes exactly one KID") }
            let entry = try store.retire(keyID: rest[0])
            print("key \(entry.keyID) is retired: no longer in JWKS, private key deleted")
        case "help", "--help", "-h":
            print(keysUsage)
        default:
            return keysUsageError("unknown subcommand \(verb)")
        }
        return 0
    } catch let error as KeysUsageError {
        return keysUsageError(error.message)
    } catch {
        writeToStandardError("gatehouse keys \(verb): \(error)\n")
        return 1
    }
}

private struct KeysUsageError: Error {
    let message: String
}

private func keysUsageError(_ message: String) -> Int32 {
    writeToStandardError("gatehouse keys: \(message)\n\n\(keysUsage)\n")
    return 2
}

private func takeFlag(_ flag: String, from arguments: inout [String]) -> Bool {
    guard let index = arguments.firstIndex(of: flag) else { return false }
    arguments.remove(at: index)
    return true
}

private func takeAlgorithm(from arguments: inout [String]) throws -> JWSAlgorithm? {
    guard let index = arguments.firstIndex(of: "--alg") else { return nil }
    guard index + 1 < arguments.count else { throw KeysUsageError(message: "--alg needs a value") }
    let name = arguments[index + 1]
    arguments.removeSubrange(index...(index + 1))
    guard let algorithm = JWSAlgorithm(rawValue: name), algorithm != .hs256 else {
        throw KeysUsageError(message: "--alg must be EdDSA, ES256 or RS256 (HS256 uses JWT_SECRET, not key files)")
    }
    return algorithm
}

private func printKeyList(_ keys: [(entry: KeyStore.Entry, state: KeyStore.KeyState)], json: Bool) {
    let format = Date.ISO8601FormatStyle()
    if json {
        let items = keys.map { key in
            let retired = key.entry.retiredAt.map { "\"\(format.format($0))\"" } ?? "null"
            return #"{"kid":"\#(key.entry.keyID)","alg":"\#(key.entry.algorithm.rawValue)","#
                + #""state":"\#(key.state.rawValue)","created_at":"\#(format.format(key.entry.createdAt))","#
                + #""retired_at":\#(retired)}"#
        }
        print("[" + items.joined(separator: ",") + "]")
        return
    }
    guard !keys.isEmpty else {
        print("no keys; run `gatehouse keys generate`")
        return
    }
    func padded(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(width - text.count, 1))
    }
    print(padded("KID", 45) + padded("ALG", 7) + padded("STATE", 9) + padded("CREATED", 22) + "RETIRED")
    for key in keys {
        print(
            padded(key.entry.keyID, 45) + padded(key.entry.algorithm.rawValue, 7) + padded(key.state.rawValue, 9)
                + padded(format.format(key.entry.createdAt), 22) + (key.entry.retiredAt.map(format.format) ?? "-"))
    }
}

/// Writes to fd 2 (the C `stderr` global cannot be used under strict concurrency).
private func writeToStandardError(_ text: String) {
    _ = write(2, text, text.utf8.count)
}
