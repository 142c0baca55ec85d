/// Authenticator data (WebAuthn §6.1): the relying party id hash, flags, signature counter, and on registration
/// the attested credential data (AAGUID, credential id, COSE public key); extensions are read and skipped.
package struct AuthenticatorData: Sendable, Equatable {
    package struct Flags: OptionSet, Sendable, Equatable {
        package let rawValue: UInt8
        package init(rawValue: UInt8) { self.rawValue = rawValue }
        /// User present.
        package static let userPresent = Flags(rawValue: 0x01)
        /// User verified (PIN, biometric).
        package static let userVerified = Flags(rawValue: 0x04)
        /// Backup eligible: the credential may be synced (a multi-device passkey).
        package static let backupEligible = Flags(rawValue: 0x08)
        /// Backed up now.
        package static let backupState = Flags(rawValue: 0x10)
        /// Attested credential data included.
        package static let attestedCredentialData = Flags(rawValue: 0x40)
        /// Extension data included.
        package static let extensionData = Flags(rawValue: 0x80)
    }

    /// The credential a registration creates.
    package struct AttestedCredential: Sendable, Equatable {
        package let aaguid: [UInt8]
        package let credentialID: [UInt8]
        /// The COSE key exactly as the authenticator encoded it (what is stored).
        package let publicKeyBytes: [UInt8]
        package let publicKey: COSEKey
    }

    /// Longest credential id WebAuthn allows (§6.1, `credentialIdLength`).
    package static let maxCredentialIDLength = 1023

    package let rpIDHash: [UInt8]
    package let flags: Flags
    package let signCount: UInt32
    package let attestedCredential: AttestedCredential?
    /// The raw bytes, which signatures cover.
    package let bytes: [UInt8]

    /// Parses authenticator data; every byte must belong to a field (nothing left over).
    package init(_ bytes: [UInt8]) throws(CryptoError) {
        guard bytes.count >= 37 else { throw Self.bad("\(bytes.count) bytes, fewer than 37") }
        guard bytes.count <= 64 * 1024 else { throw Self.bad("over 64 KiB") }
        self.bytes = bytes
        rpIDHash = Array(bytes[0..<32])
        flags = Flags(rawValue: bytes[32])
        signCount = bytes[33..<37].reduce(0) { $0 << 8 | UInt32($1) }
        if flags.contains(.backupState), !flags.contains(.backupEligible) {
            throw Self.bad("backup state (BS) set without backup eligibility (BE)")
        }
        var index = 37
        if flags.contains(.attestedCredentialData) {
            guard bytes.count >= index + 18 else { throw Self.bad("attested credential data cut short") }
            let aaguid = Array(bytes[index..<index + 16])
            let length = Int(bytes[index + 16]) << 8 | Int(bytes[index + 17])
            index += 18
            guard length >= 1, length <= Self.maxCredentialIDLength else {
                throw Self.bad("credential id length \(length) (1 to \(Self.maxCredentialIDLength))")
            }
            guard bytes.count >= index + length else { throw Self.bad("credential id cut short") }
            let credentialID = Array(bytes[index..<index + length])
            index += length
            let (key, end) = try CBORDecoder.decodePrefix(bytes[index...])
            let publicKey = try COSEKey(key)
            attestedCredential = AttestedCredential(
                aaguid: aaguid, credentialID: credentialID, publicKeyBytes: Array(bytes[index..<end]), publicKey: publicKey)
            index = end
        } else {
            attestedCredential = nil
        }
        if flags.contains(.extensionData) {
            let (extensions, end) = try CBORDecoder.decodePrefix(bytes[index...])
            guard extensions.entries != nil else { throw Self.bad("extensions are not a map") }
            index = end
        }
        guard index == bytes.count else { throw Self.bad("\(bytes.count - index) bytes left over") }
    }

    private static func bad(_ message: String) -> CryptoError {
        CryptoError.malformedWebAuthn.with("authenticator data: \(message)")
    }
}
