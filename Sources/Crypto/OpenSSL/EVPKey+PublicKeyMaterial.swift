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
        let key = try unsafe Self.fromData(type: "EC", [("group", .utf8("P-256")), ("pub", .octets([0x04] + x + y))])
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
        let key = try unsafe Self.fromData(type: "RSA", [("n", .bigNumber(modulus)), ("e", .bigNumber(exponent))])
        try unsafe self.init(owning: key)
    }

    /// A parameter value for ``fromData(type:_:)``.
    @unsafe
    private enum Value {
        case utf8(String)
        case octets([UInt8])
        case bigNumber(OpaquePointer)
    }

    @unsafe
    private static func bigNumber(_ bytes: [UInt8]) throws(CryptoError) -> OpaquePointer {
        try unsafe openssl("BN_bin2bn") {
            unsafe bytes.withUnsafeBufferPointer { unsafe BN_bin2bn($0.baseAddress, Int32($0.count), nil) }
        }
    }

    /// `EVP_PKEY_fromdata` of a public key of `type` with `parameters`.
    @unsafe
    private static func fromData(type: String, _ parameters: [(StaticString, Value)]) throws(CryptoError) -> OpaquePointer {
        let builder = try unsafe openssl("OSSL_PARAM_BLD_new") { unsafe OSSL_PARAM_BLD_new() }
        defer { unsafe OSSL_PARAM_BLD_free(builder) }
        guard let params = unsafe pushing(parameters[...], to: builder) else {
            throw OpenSSLError.error("OSSL_PARAM_BLD_to_param")
        }
        defer { unsafe OSSL_PARAM_free(params) }
        let context = try unsafe openssl("EVP_PKEY_CTX_new_from_name") {
            unsafe EVP_PKEY_CTX_new_from_name(nil, type, nil)
        }
        defer { unsafe EVP_PKEY_CTX_free(context) }
        try openssl("EVP_PKEY_fromdata_init") { unsafe EVP_PKEY_fromdata_init(context) }
        var key: OpaquePointer? = nil
        try openssl("EVP_PKEY_fromdata") {
            unsafe EVP_PKEY_fromdata(context, &key, copenssl_public_key_selection(), params)
        }
        guard let key = unsafe key else { throw OpenSSLError.error("EVP_PKEY_fromdata") }
        return unsafe key
    }

    /// Pushes `parameters` and turns the builder into an `OSSL_PARAM` list. The builder keeps pointers to each
    /// value until `OSSL_PARAM_BLD_to_param` copies them, so the list is made innermost, while every value is still
    /// alive. Names are never copied, not even into the finished list ("the key … is not copied", OSSL_PARAM(3)):
    /// they are static strings, alive for the whole process.
    @unsafe
    private static func pushing(_ parameters: ArraySlice<(StaticString, Value)>, to builder: OpaquePointer)
        -> UnsafeMutablePointer<OSSL_PARAM>?
    {
        guard let (name, value) = unsafe parameters.first else { return unsafe OSSL_PARAM_BLD_to_param(builder) }
        let rest = unsafe parameters.dropFirst()
        let key = unsafe UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)
        do {
            switch unsafe value {
            case .utf8(let text):
                return unsafe text.withCString { text in
                    guard unsafe OSSL_PARAM_BLD_push_utf8_string(builder, key, text, 0) == 1 else { return nil }
                    return unsafe pushing(rest, to: builder)
                }
            case .octets(let bytes):
                return unsafe bytes.withUnsafeBufferPointer { bytes in
                    guard unsafe OSSL_PARAM_BLD_push_octet_string(builder, key, bytes.baseAddress, bytes.count) == 1
                    else { return nil }
                    return unsafe pushing(rest, to: builder)
                }
            case .bigNumber(let number):
                guard unsafe OSSL_PARAM_BLD_push_BN(builder, key, number) == 1 else { return nil }
                return unsafe pushing(rest, to: builder)
            }
        }
    }
}
