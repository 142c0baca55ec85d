/// An attestation object (WebAuthn §6.5): `{fmt, attStmt, authData}`, of which Gatehouse accepts the formats
/// `none` and `packed` self-attestation (§8.2 with no `x5c`: signed by the credential's own key).
package struct AttestationObject: Sendable {
    package let format: String
    package let authenticatorData: AuthenticatorData
    /// `packed`'s `alg` and `sig`; nil for `none`.
    package let packedSignature: (algorithm: Int64, signature: [UInt8])?

    package init(_ bytes: [UInt8]) throws(CryptoError) {
        guard bytes.count <= 64 * 1024 else { throw Self.bad("over 64 KiB") }
        let object = try CBORDecoder.decode(bytes)
        guard let entries = object.entries, entries.count == 3 else { throw Self.bad("not a map of fmt, attStmt, authData") }
        guard let format = object["fmt"]?.textString, let statement = object["attStmt"],
            let statementEntries = statement.entries, let authData = object["authData"]?.byteString
        else { throw Self.bad("not a map of fmt, attStmt, authData") }
        self.format = format
        authenticatorData = try AuthenticatorData(authData)
        switch format {
        case "none":
            guard statementEntries.isEmpty else { throw Self.bad("format none with a non-empty statement") }
            packedSignature = nil
        case "packed":
            if statement["x5c"] != nil {
                throw CryptoError.unsupportedAttestation.with(
                    "packed attestation with a certificate chain (x5c) is not accepted; ask for attestation \"none\"")
            }
            guard statementEntries.count == 2, let algorithm = statement["alg"]?.integer,
                let signature = statement["sig"]?.byteString
            else { throw Self.bad("packed statement must be {alg, sig}") }
            packedSignature = (algorithm, signature)
        default:
            throw CryptoError.unsupportedAttestation.with(
                "attestation format \(format) is not accepted (only none and packed self-attestation)")
        }
    }

    private static func bad(_ message: String) -> CryptoError {
        CryptoError.malformedWebAuthn.with("attestation object: \(message)")
    }
}
