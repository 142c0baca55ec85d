internal import COpenSSL

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// The key types we sign with, as OpenSSL names them.
enum KeyType: Equatable {
    case ed25519
    /// ECDSA over P-256 (prime256v1).
    case p256
    case rsa(bits: Int)
}

/// An OpenSSL `EVP_PKEY`, freed when the last reference goes away.
///
/// Once built, an `EVP_PKEY` is only read, which OpenSSL allows from several threads at once
/// (openssl-threads(7): objects that are not modified may be shared); the contexts built on it are not
/// shareable and live behind locks in ``SignatureContext``.
@safe
final class EVPKey: @unchecked Sendable {
    // Sendable: the handle is set once in init and never modified afterwards (see above).
    private let handle: OpaquePointer
    /// The key's type, read once at load time.
    let type: KeyType

    @unsafe
    init(owning handle: OpaquePointer) throws(CryptoError) {
        unsafe self.handle = handle
        guard let type = unsafe Self.type(of: handle) else {
            let name = unsafe EVP_PKEY_get0_type_name(handle).map { unsafe String(cString: $0) } ?? "unknown"
            throw CryptoError.unsupportedKey.with("key type \(name) (need Ed25519, EC P-256 or RSA)")
        }
        self.type = type
    }

    deinit { unsafe EVP_PKEY_free(handle) }

    /// Calls `body` with the raw key; the pointer must not escape.
    func withUnsafeHandle<T, E: Error>(_ body: (OpaquePointer) throws(E) -> T) throws(E) -> T {
        try unsafe body(handle)
    }

    @unsafe
    private static func type(of key: OpaquePointer) -> KeyType? {
        if unsafe EVP_PKEY_is_a(key, "ED25519") == 1 { return .ed25519 }
        if unsafe EVP_PKEY_is_a(key, "RSA") == 1 { return .rsa(bits: Int(unsafe EVP_PKEY_get_bits(key))) }
        if unsafe EVP_PKEY_is_a(key, "EC") == 1 {
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            let rc = unsafe name.withUnsafeMutableBufferPointer { name in
                unsafe EVP_PKEY_get_group_name(key, name.baseAddress, name.count, &length)
            }
            guard rc == 1 else { return nil }
            let group = String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return group == "prime256v1" || group == "P-256" ? .p256 : nil
        }
        return nil
    }

    // MARK: - Loading

    /// Reads a PEM private key (PKCS#8, or the traditional forms OpenSSL's decoders accept).
    convenience init(privateKeyPEM pem: [UInt8]) throws(CryptoError) {
        let key = unsafe pem.withUnsafeBytes { pem -> OpaquePointer? in
            guard let bio = unsafe BIO_new_mem_buf(pem.baseAddress, Int32(pem.count)) else { return nil }
            defer { unsafe BIO_free(bio) }
            return unsafe Self.readPrivateKey(bio)
        }
        guard let key = unsafe key else { throw OpenSSLError.error("PEM_read_bio_PrivateKey") }
        OpenSSLError.clearQueue()
        try unsafe self.init(owning: key)
    }

    /// `PEM_read_bio_PrivateKey` that never asks for a passphrase: "If the cb parameters is set to NULL and
    /// the u parameter is not NULL then the u parameter is interpreted as a NUL terminated string to use as
    /// the passphrase" (pem_password_cb(3)). With NULL for both, OpenSSL would prompt on the terminal; an
    /// empty passphrase makes an encrypted key fail to load instead.
    @unsafe
    private static func readPrivateKey(_ bio: OpaquePointer) -> OpaquePointer? {
        unsafe "".withCString { empty in
            unsafe PEM_read_bio_PrivateKey(bio, nil, nil, UnsafeMutableRawPointer(mutating: empty))
        }
    }

    /// Reads a PEM public key (SubjectPublicKeyInfo).
    convenience init(publicKeyPEM pem: [UInt8]) throws(CryptoError) {
        let key = unsafe pem.withUnsafeBytes { pem -> OpaquePointer? in
            guard let bio = unsafe BIO_new_mem_buf(pem.baseAddress, Int32(pem.count)) else { return nil }
            defer { unsafe BIO_free(bio) }
            return unsafe PEM_read_bio_PUBKEY(bio, nil, nil, nil)
        }
        guard let key = unsafe key else { throw OpenSSLError.error("PEM_read_bio_PUBKEY") }
        OpenSSLError.clearQueue()
        try unsafe self.init(owning: key)
    }

    /// Reads a PEM private key file, refusing one that group or others may read or write.
    ///
    /// The mode is checked with `fstat` on the descriptor the key is then read from, so the file cannot be
    /// swapped between the check and the read.
    convenience init(privateKeyFile path: String) throws(CryptoError) {
        let fd = unsafe open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CryptoError.keyFile.with("\(path): \(Self.lastSystemError())") }
        defer { close(fd) }
        var status = stat()
        guard unsafe fstat(fd, &status) == 0 else {
            throw CryptoError.keyFile.with("\(path): \(Self.lastSystemError())")
        }
        let mode = status.st_mode
        guard mode & 0o077 == 0 else {
            let octal = String(mode & 0o777, radix: 8)
            throw CryptoError.insecureKeyFile.with("\(path) has mode 0\(octal); a private key must be 0600")
        }
        guard let bio = unsafe BIO_new_fd(fd, BIO_NOCLOSE) else { throw OpenSSLError.error("BIO_new_fd") }
        defer { unsafe BIO_free(bio) }
        guard let key = unsafe Self.readPrivateKey(bio) else {
            let error = OpenSSLError.error("PEM_read_bio_PrivateKey")
            throw CryptoError.keyFile.with("\(path): \(error.message)")
        }
        OpenSSLError.clearQueue()
        try unsafe self.init(owning: key)
    }

    /// Makes a new key pair: Ed25519, P-256, or RSA with `bits` bits.
    static func generate(_ type: KeyType) throws(CryptoError) -> EVPKey {
        let name: String
        switch type {
        case .ed25519: name = "ED25519"
        case .p256: name = "EC"
        case .rsa: name = "RSA"
        }
        let context = try unsafe openssl { unsafe EVP_PKEY_CTX_new_from_name(nil, name, nil) }
        defer { unsafe EVP_PKEY_CTX_free(context) }
        try openssl("EVP_PKEY_keygen_init") { unsafe EVP_PKEY_keygen_init(context) }
        switch type {
        case .ed25519:
            break
        case .p256:
            try openssl("EVP_PKEY_CTX_set_group_name") { unsafe EVP_PKEY_CTX_set_group_name(context, "P-256") }
        case .rsa(let bits):
            // EVP_PKEY_CTX_set_rsa_keygen_bits lives in rsa.h, which the shim leaves out; the parameter
            // "bits" is what that function sets (EVP_PKEY-RSA(7)).
            try openssl("EVP_PKEY_CTX_set_params(bits)") {
                unsafe Parameters.withUnsignedInteger("bits", UInt32(bits)) {
                    unsafe EVP_PKEY_CTX_set_params(context, $0)
                }
            }
        }
        var key: OpaquePointer? = nil
        try openssl("EVP_PKEY_generate") { unsafe EVP_PKEY_generate(context, &key) }
        guard let key = unsafe key else { throw OpenSSLError.error("EVP_PKEY_generate") }
        return try unsafe EVPKey(owning: key)
    }

    // MARK: - Writing

    /// The private key as PKCS#8 PEM. Holds the secret: write it only to a 0600 file.
    func privateKeyPEM() throws(CryptoError) -> [UInt8] {
        try unsafe Self.withMemoryBIO("PEM_write_bio_PKCS8PrivateKey") { bio in
            unsafe PEM_write_bio_PKCS8PrivateKey(bio, handle, nil, nil, 0, nil, nil)
        }
    }

    /// The public key as SubjectPublicKeyInfo PEM.
    func publicKeyPEM() throws(CryptoError) -> [UInt8] {
        try unsafe Self.withMemoryBIO("PEM_write_bio_PUBKEY") { bio in unsafe PEM_write_bio_PUBKEY(bio, handle) }
    }

    /// The public key as SubjectPublicKeyInfo DER.
    func publicKeyDER() throws(CryptoError) -> [UInt8] {
        try unsafe Self.withMemoryBIO("i2d_PUBKEY_bio") { bio in unsafe i2d_PUBKEY_bio(bio, handle) }
    }

    /// Writes the private key as PKCS#8 PEM to a new file created with mode 0600.
    ///
    /// `O_EXCL` refuses to overwrite an existing key, and the mode is set at `open`, so the secret is
    /// never on disk with wider permissions; `fchmod` then takes the umask out of the picture.
    func writePrivateKey(toNewFile path: String) throws(CryptoError) {
        let pem = try privateKeyPEM()
        let fd = unsafe open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CryptoError.keyFile.with("\(path): \(Self.lastSystemError())") }
        var failure: String? = nil
        if fchmod(fd, 0o600) != 0 { failure = Self.lastSystemError() }
        var written = 0
        while failure == nil && written < pem.count {
            let n = unsafe pem.withUnsafeBytes { pem in
                unsafe write(fd, pem.baseAddress! + written, pem.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                failure = Self.lastSystemError()
            } else {
                written += n
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = Self.lastSystemError() }
        if close(fd) != 0 && failure == nil { failure = Self.lastSystemError() }
        if let failure {
            _ = unsafe unlink(path)
            throw CryptoError.keyFile.with("\(path): \(failure)")
        }
    }

    // MARK: - Public components, for JWK

    /// The raw 32-byte public key of an Ed25519 key.
    func rawPublicKey() throws(CryptoError) -> [UInt8] {
        var length = 0
        try openssl("EVP_PKEY_get_raw_public_key") { unsafe EVP_PKEY_get_raw_public_key(handle, nil, &length) }
        var bytes = [UInt8](repeating: 0, count: length)
        try openssl("EVP_PKEY_get_raw_public_key") {
            unsafe bytes.withUnsafeMutableBufferPointer {
                unsafe EVP_PKEY_get_raw_public_key(handle, $0.baseAddress, &length)
            }
        }
        return Array(bytes.prefix(length))
    }

    /// A big-number parameter ("n", "e", "qx", "qy"; EVP_PKEY-RSA(7), EVP_PKEY-EC(7)) as unsigned
    /// big-endian bytes: minimal, or left-padded with zeros to `width` bytes.
    func bigNumberParameter(_ name: String, width: Int? = nil) throws(CryptoError) -> [UInt8] {
        var number: OpaquePointer? = nil
        try openssl("EVP_PKEY_get_bn_param(\(name))") { unsafe EVP_PKEY_get_bn_param(handle, name, &number) }
        guard let number = unsafe number else { throw OpenSSLError.error("EVP_PKEY_get_bn_param(\(name))") }
        defer { unsafe BN_free(number) }
        let minimal = Int((unsafe BN_num_bits(number) + 7) / 8)
        let count = Swift.max(width ?? minimal, 1)
        guard minimal <= count else { throw CryptoError.unsupportedKey.with("\(name) longer than \(count) bytes") }
        var bytes = [UInt8](repeating: 0, count: count)
        let rc = unsafe bytes.withUnsafeMutableBufferPointer {
            unsafe BN_bn2binpad(number, $0.baseAddress, Int32(count))
        }
        guard rc == count else { throw OpenSSLError.error("BN_bn2binpad") }
        return bytes
    }

    // MARK: - Helpers

    /// Runs `write` against a memory BIO and returns what it wrote.
    private static func withMemoryBIO(_ function: String, _ write: (OpaquePointer) -> Int32) throws(CryptoError)
        -> [UInt8]
    {
        let bio = try unsafe openssl(function) { unsafe BIO_new(BIO_s_mem()) }
        defer { unsafe BIO_free(bio) }
        guard unsafe write(bio) == 1 else { throw OpenSSLError.error(function) }
        // BIO_get_mem_data is a macro; BIO_ctrl_pending plus BIO_read does the same (FACTS.md).
        let pending = Int(unsafe BIO_ctrl_pending(bio))
        var bytes = [UInt8](repeating: 0, count: pending)
        let read = unsafe bytes.withUnsafeMutableBytes { unsafe BIO_read(bio, $0.baseAddress, Int32(pending)) }
        guard read == pending else { throw OpenSSLError.error("BIO_read") }
        return bytes
    }

    private static func lastSystemError() -> String {
        let code = errno
        return unsafe String(cString: strerror(code))
    }
}
