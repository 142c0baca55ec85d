/// The public half of a key as a JSON Web Key (RFC 7517), with its RFC 7638 thumbprint.
struct JWK: Equatable {
    /// The members that define the key, as (name, base64url or literal value), sorted by name as RFC 7638
    /// requires for the thumbprint: `crv, kty, x` (OKP), `crv, kty, x, y` (EC), `e, kty, n` (RSA).
    let requiredMembers: [(String, String)]
    let algorithm: JWSAlgorithm

    static func == (a: JWK, b: JWK) -> Bool {
        a.algorithm == b.algorithm && a.requiredMembers.elementsEqual(b.requiredMembers, by: { $0 == $1 })
    }

    init(publicKeyOf key: EVPKey) throws(CryptoError) {
        algorithm = JWSAlgorithm(for: key.type)
        switch key.type {
        case .ed25519:
            requiredMembers = [
                ("crv", "Ed25519"), ("kty", "OKP"), ("x", Base64URL.encode(try key.rawPublicKey())),
            ]
        case .p256:
            requiredMembers = [
                ("crv", "P-256"), ("kty", "EC"),
                ("x", Base64URL.encode(try key.bigNumberParameter("qx", width: 32))),
                ("y", Base64URL.encode(try key.bigNumberParameter("qy", width: 32))),
            ]
        case .rsa:
            requiredMembers = [
                ("e", Base64URL.encode(try key.bigNumberParameter("e"))), ("kty", "RSA"),
                ("n", Base64URL.encode(try key.bigNumberParameter("n"))),
            ]
        }
    }

    /// A member's value, e.g. `x` or `n`.
    subscript(_ name: String) -> String? { requiredMembers.first(where: { $0.0 == name })?.1 }

    /// RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace, base64url.
    var thumbprint: String {
        Base64URL.encode(SHA256.hash(Self.object(requiredMembers)))
    }

    /// The JWKS entry: the required members plus `kid`, `use: sig` and `alg`.
    func publicEntry(keyID: String) -> String {
        Self.object(requiredMembers + [("kid", keyID), ("use", "sig"), ("alg", algorithm.rawValue)])
    }

    private static func object(_ members: [(String, String)]) -> String {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, (name, value)) in members.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONString.append(name, to: &out)
            out.append(UInt8(ascii: ":"))
            JSONString.append(value, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}
