internal import COpenSSL

/// Public keys built from their raw components, as COSE keys carry them (WebAuthn credentials), instead of PEM.
///
/// OpenSSL 3 builds such keys with `EVP_PKEY_fromdata` from an `OSSL_PARAM` list (EVP_PKEY-EC(7),
/// EVP_PKEY-RSA(7)); Ed25519 has its own `EVP_PKEY_new_raw_public_key`. An EC point that is not on P-256 is
/// refused by OpenSSL while the key is built, so a bad point never reaches a verification.
extension EVPKey {
    /// An Ed25519 public key from its 32 bytes (RFC 8032).
    convenience init(ed25519PublicKey raw: [UInt8]) throws(CryptoError) {
        guard raw.count == 32 else { throw CryptoError.unsupportedKey.with("Ed25519 public key of \(raw.count) bytes") }
        let key = unsafe raw.withUnsafeBufferPointer {
            unsafe EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, $0.baseAddress, $0.count)
        }
        guard let key = unsafe key else { throw OpenSSLError.error("EVP_PKEY_new_raw_public_key") }
        try unsafe self.init(owning: key)
    }

    /// A P-256 public key from its affine coordinates, 32 bytes each (SEC 1 uncompressed point `04 || x || y`).
    convenience init(p256X x: [UInt8], y: [UInt8]) throws(CryptoError) {
        guard x.count == 32, y.count == 32 else {
            throw CryptoError.unsupportedKey.with("P-256 coordinates of \(x.count) and \(y.count) bytes")
        }
        let point = [0x04] + x + y
        let key = try unsafe Self.fromData(type: "EC") { builder in
            guard unsafe OSSL_PARAM_BLD_push_utf8_string(builder, "group", "P-256", 0) == 1 else { return false }
            return unsafe point.withUnsafeBufferPointer {
                unsafe OSSL_PARAM_BLD_push_octet_string(builder, "pub", $0.baseAddress, $0.count) == 1
            }
        }
        try unsafe self.init(owning: key)
    }

    /// An RSA public key from its modulus and public exponent (unsigned big-endian).
    convenience init(rsaModulus n: [UInt8], exponent e: [UInt8]) throws(CryptoError) {
        guard !n.isEmpty, !e.isEmpty, n.count <= 1024, e.count <= 8 else {
            throw CryptoError.unsupportedKey.with("RSA modulus of \(n.count) or exponent of \(e.count) bytes")
        }
        let modulus = try unsafe Self.bigNumber(n)
        defer { unsafe BN_free(modulus) }
        let exponent = try unsafe Self.bigNumber(e)
        defer { unsafe BN_free(exponent) }
        let key = try unsafe Self.fromData(type: "RSA") { builder in
            guard unsafe OSSL_PARAM_BLD_push_BN(builder, "n", modulus) == 1 else { return false }
            return unsafe OSSL_PARAM_BLD_push_BN(builder, "e", exponent) == 1
        }
        try unsafe self.init(owning: key)
    }

    @unsafe
    private static func bigNumber(_ bytes: [UInt8]) throws(CryptoError) -> OpaquePointer {
        try unsafe openssl("BN_bin2bn") {
            unsafe bytes.withUnsafeBufferPointer { unsafe BN_bin2bn($0.baseAddress, Int32($0.count), nil) }
        }
    }

    /// `EVP_PKEY_fromdata` of a public key of `type` whose parameters `push` adds to an `OSSL_PARAM_BLD`.
    @unsafe
    private static func fromData(type: String, _ push: (OpaquePointer) -> Bool) throws(CryptoError) -> OpaquePointer {
        let builder = try unsafe openssl("OSSL_PARAM_BLD_new") { unsafe OSSL_PARAM_BLD_new() }
        defer { unsafe OSSL_PARAM_BLD_free(builder) }
        guard unsafe push(builder) else { throw OpenSSLError.error("OSSL_PARAM_BLD_push") }
        guard let params = unsafe OSSL_PARAM_BLD_to_param(builder) else {
            throw OpenSSLError.error("OSSL_PARAM_BLD_to_param")
        }
        defer { unsafe OSSL_PARAM_free(params) }
        let context = try unsafe openssl("EVP_PKEY_CTX_new_from_name") {
            unsafe EVP_PKEY_CTX_new_from_name(nil, type, nil)
        }
        defer { unsafe EVP_PKEY_CTX_free(context) }
        try openssl("EVP_PKEY_fromdata_init") { unsafe EVP_PKEY_fromdata_init(context) }
        var key: OpaquePointer? = nil
        try openssl("EVP_PKEY_fromdata") { unsafe EVP_PKEY_fromdata(context, &key, copenssl_public_key_selection(), params) }
        guard let key = unsafe key else { throw OpenSSLError.error("EVP_PKEY_fromdata") }
        return unsafe key
    }
}
