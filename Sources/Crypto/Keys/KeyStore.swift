#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Signing keys on disk, in `KEYS_DIR`: one PEM private key per key, named `<kid>.pem`, mode 0600, and a
/// state file `keys.json` saying which key is active, when each was made, and which are retired.
///
/// ```swift
/// let store = KeyStore(directory: "/var/lib/gatehouse/keys")
/// try store.generate(algorithm: .eddsa)     // the first key, active at once
/// try store.rotate()                        // a new active key; the old one verifies until retired
/// try store.retire(keyID: oldKid)           // gone from JWKS; its private key file is deleted
/// ```
/// One key is active and signs; passive keys still verify and stay in JWKS until retired, so tokens
/// they signed keep working until they expire (retire a key only after the access-token lifetime).
/// The active key cannot be retired, so JWKS is never empty while a key exists.
public struct KeyStore: Sendable {
    /// The directory, `KEYS_DIR`.
    public let directory: String

    /// A key store over `directory`; nothing is read until a method is called.
    public init(directory: String) {
        self.directory = directory
    }

    /// One key as the state file records it.
    public struct Entry: Sendable, Equatable, Codable {
        /// The key's `kid`: its RFC 7638 thumbprint.
        public let keyID: String
        /// The one algorithm the key is used with.
        public let algorithm: JWSAlgorithm
        /// When the key was made.
        public let createdAt: Date
        /// When it was retired; nil while it verifies.
        public internal(set) var retiredAt: Date?

        enum CodingKeys: String, CodingKey {
            case keyID = "kid", algorithm = "alg", createdAt = "created_at", retiredAt = "retired_at"
        }
    }

    /// Whether a key signs, only verifies, or neither.
    public enum KeyState: String, Sendable {
        case active, passive, retired
    }

    /// The state file.
    struct State: Codable {
        var active: String?
        var keys: [Entry]
    }

    static let stateFileName = "keys.json"

    // MARK: - Reading

    /// Every key the state file knows, oldest first, with its state.
    public func list() throws(CryptoError) -> [(entry: Entry, state: KeyState)] {
        let state = try readState() ?? State(active: nil, keys: [])
        return state.keys.map { entry in
            let keyState: KeyState =
                entry.retiredAt != nil ? .retired : entry.keyID == state.active ? .active : .passive
            return (entry, keyState)
        }
    }

    /// The active key and the passive ones, loaded from their PEM files, each checked against its
    /// recorded `kid` and algorithm.
    func loadKeys() throws(CryptoError) -> (active: JWSKey, passive: [JWSKey]) {
        guard let state = try readState(), let activeID = state.active else {
            throw CryptoError.noSigningKey.with("no active key in \(statePath); run `gatehouse keys generate`")
        }
        var active: JWSKey? = nil
        var passive: [JWSKey] = []
        for entry in state.keys where entry.retiredAt == nil {
            let key = try JWSKey(key: EVPKey(privateKeyFile: try keyPath(entry.keyID)))
            guard key.keyID == entry.keyID, key.algorithm == entry.algorithm else {
                throw CryptoError.keyStore.with(
                    "\(try keyPath(entry.keyID)) holds a \(key.algorithm.rawValue) key with kid \(key.keyID ?? "-"), "
                        + "not the recorded \(entry.algorithm.rawValue) key \(entry.keyID)")
            }
            if entry.keyID == activeID { active = key } else { passive.append(key) }
        }
        guard let active else { throw CryptoError.keyStore.with("active key \(activeID) is retired or unknown") }
        return (active, passive.reversed())
    }

    // MARK: - Changing

    /// Makes the first key, active at once.
    /// - Throws: ``CryptoError/keyStore`` if an active key exists already (use ``rotate(algorithm:at:)``).
    @discardableResult
    public func generate(algorithm: JWSAlgorithm = .eddsa, at date: Date = Date()) throws(CryptoError) -> Entry {
        var state = try readState() ?? State(active: nil, keys: [])
        if let active = state.active {
            throw CryptoError.keyStore.with("an active key exists (\(active)); use rotate to replace it")
        }
        return try addActiveKey(algorithm: algorithm, at: date, to: &state)
    }

    /// Makes a new active key; the previous active key becomes passive and keeps verifying.
    /// - Parameter algorithm: the new key's algorithm; by default the previous active key's, or EdDSA.
    @discardableResult
    public func rotate(algorithm: JWSAlgorithm? = nil, at date: Date = Date()) throws(CryptoError) -> Entry {
        var state = try readState() ?? State(active: nil, keys: [])
        let previous = state.keys.first(where: { $0.keyID == state.active })?.algorithm
        return try addActiveKey(algorithm: algorithm ?? previous ?? .eddsa, at: date, to: &state)
    }

    /// Retires a passive key: it leaves JWKS, stops verifying, and its private key file is deleted.
    /// Retiring a retired key changes nothing.
    /// - Throws: ``CryptoError/keyStore`` for an unknown `kid` or the active key.
    @discardableResult
    public func retire(keyID: String, at date: Date = Date()) throws(CryptoError) -> Entry {
        guard var state = try readState(), let index = state.keys.firstIndex(where: { $0.keyID == keyID }) else {
            throw CryptoError.keyStore.with("no key \(JSONString.quoted(keyID)) in \(statePath)")
        }
        guard state.active != keyID else {
            throw CryptoError.keyStore.with("\(keyID) is the active key; rotate first, then retire it")
        }
        guard state.keys[index].retiredAt == nil else { return state.keys[index] }
        state.keys[index].retiredAt = date
        try writeState(state)
        let path = try keyPath(keyID)
        if FileManager.default.fileExists(atPath: path) {
            do {
                try FileManager.default.removeItem(atPath: path)
            } catch {
                throw CryptoError.keyFile.with("\(path): \(error)")
            }
        }
        return state.keys[index]
    }

    private func addActiveKey(algorithm: JWSAlgorithm, at date: Date, to state: inout State) throws(CryptoError)
        -> Entry
    {
        guard let type = algorithm.keyType else {
            throw CryptoError.invalidInput.with("HS256 uses JWT_SECRET, not key files")
        }
        try createDirectory()
        let key = try EVPKey.generate(type)
        let keyID = try JWK(publicKeyOf: key).thumbprint
        try key.writePrivateKey(toNewFile: try keyPath(keyID))
        let entry = Entry(keyID: keyID, algorithm: algorithm, createdAt: date, retiredAt: nil)
        state.keys.append(entry)
        state.active = keyID
        try writeState(state)
        return entry
    }

    // MARK: - Files

    private var statePath: String { directory + "/" + Self.stateFileName }

    /// `<directory>/<kid>.pem`, for a `kid` made only of base64url characters (so never a path).
    func keyPath(_ keyID: String) throws(CryptoError) -> String {
        guard !keyID.isEmpty, Base64.decode(ArraySlice(keyID.utf8), alphabet: .url) != nil else {
            throw CryptoError.keyStore.with("\(JSONString.quoted(keyID)) is not a key id")
        }
        return directory + "/" + keyID + ".pem"
    }

    private func createDirectory() throws(CryptoError) {
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CryptoError.keyFile.with("\(directory): \(error)")
        }
    }

    /// The state, or nil when there is no state file yet.
    private func readState() throws(CryptoError) -> State? {
        guard FileManager.default.fileExists(atPath: statePath) else { return nil }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: statePath))
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(State.self, from: data)
        } catch {
            throw CryptoError.keyStore.with("\(statePath): \(error)")
        }
    }

    /// Replaces the state file atomically (a temporary file renamed over it). It holds no secret.
    private func writeState(_ state: State) throws(CryptoError) {
        do {
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            var data = try encoder.encode(state)
            data.append(UInt8(ascii: "\n"))
            try data.write(to: URL(fileURLWithPath: statePath), options: .atomic)
        } catch {
            throw CryptoError.keyStore.with("\(statePath): \(error)")
        }
    }
}

extension JWSAlgorithm: Codable {}
