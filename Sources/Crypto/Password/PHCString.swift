/// An Argon2 hash in the PHC string format that libargon2, argon2-cffi and most password libraries write:
/// `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`, salt and hash in standard base64 without padding.
struct PHCString: Equatable {
    enum Variant: String {
        case argon2id, argon2i
    }

    var variant: Variant
    /// 0x13 (19, Argon2 1.3) or 0x10 (16, the original; PHC strings without `v=` are this version).
    var version: UInt32
    var memoryKiB: UInt32
    var iterations: UInt32
    var parallelism: UInt32
    var salt: [UInt8]
    var hash: [UInt8]

    static let version13: UInt32 = 0x13
    static let version10: UInt32 = 0x10

    init(
        variant: Variant, version: UInt32, memoryKiB: UInt32, iterations: UInt32, parallelism: UInt32, salt: [UInt8],
        hash: [UInt8]
    ) {
        self.variant = variant
        self.version = version
        self.memoryKiB = memoryKiB
        self.iterations = iterations
        self.parallelism = parallelism
        self.salt = salt
        self.hash = hash
    }

    /// Parses a PHC string strictly; nil when it is not an argon2id or argon2i hash we can read.
    init?(parsing text: String) {
        let fields = text.split(separator: "$", omittingEmptySubsequences: false)
        // "" / variant / [v=..] / m=..,t=..,p=.. / salt / hash
        guard fields.count == 5 || fields.count == 6, fields[0].isEmpty,
            let variant = Variant(rawValue: String(fields[1]))
        else { return nil }
        var rest = fields.dropFirst(2)
        var version = Self.version10
        if fields.count == 6 {
            guard let field = rest.popFirst(), field.hasPrefix("v="), let value = Self.decimal(field.dropFirst(2)),
                value == Self.version10 || value == Self.version13
            else { return nil }
            version = value
        }
        let parameters = rest.removeFirst().split(separator: ",", omittingEmptySubsequences: false)
        guard parameters.count == 3, parameters[0].hasPrefix("m="), parameters[1].hasPrefix("t="),
            parameters[2].hasPrefix("p="), let memory = Self.decimal(parameters[0].dropFirst(2)),
            let iterations = Self.decimal(parameters[1].dropFirst(2)),
            let parallelism = Self.decimal(parameters[2].dropFirst(2)),
            let salt = Base64.decode(ArraySlice(rest.removeFirst().utf8), alphabet: .standard),
            let hash = Base64.decode(ArraySlice(rest.removeFirst().utf8), alphabet: .standard)
        else { return nil }
        // libargon2's own limits: salt ≥ 8 bytes, tag ≥ 4 bytes, at least 1 pass and lane, m ≥ 8 × p.
        // We also bound salt and tag at 64 bytes, far above any real system's choice.
        guard (8...64).contains(salt.count), (4...64).contains(hash.count), iterations >= 1, parallelism >= 1,
            parallelism <= 255, memory >= 8 * parallelism
        else { return nil }
        self.init(
            variant: variant, version: version, memoryKiB: memory, iterations: iterations, parallelism: parallelism,
            salt: salt, hash: hash)
    }

    /// The PHC string, as libargon2's `encode_string` writes it.
    var encoded: String {
        let salt = String(decoding: Base64.encode(salt, alphabet: .standard), as: UTF8.self)
        let hash = String(decoding: Base64.encode(hash, alphabet: .standard), as: UTF8.self)
        return "$\(variant.rawValue)$v=\(version)$m=\(memoryKiB),t=\(iterations),p=\(parallelism)$\(salt)$\(hash)"
    }

    /// A decimal number without sign or leading zeros that fits in 32 bits.
    private static func decimal(_ text: Substring) -> UInt32? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (48...57).contains($0) }), text == "0" || !text.hasPrefix("0")
        else { return nil }
        return UInt32(text)
    }
}
