internal import COpenSSL

/// OpenSSL's thread-local error queue, read the way swift-nio-ssl's `buildErrorStack` does.
enum OpenSSLError {
    /// Empties OpenSSL's thread-local error queue, oldest first.
    static func drainQueue() -> [String] {
        var messages: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            messages.append(
                unsafe buffer.withUnsafeMutableBufferPointer { buffer in
                    unsafe ERR_error_string_n(code, buffer.baseAddress, buffer.count)
                    return unsafe String(cString: buffer.baseAddress!)
                })
        }
        return messages
    }

    /// Drops whatever a failed check left queued (a bad signature queues errors too), so stale
    /// entries never show up in a later, unrelated error.
    static func clearQueue() {
        ERR_clear_error()
    }

    /// The error for a failed call, carrying the whole queue.
    static func error(_ function: String) -> CryptoError {
        .openssl(function: function, errors: drainQueue())
    }
}

/// Runs one OpenSSL call that returns 1 on success; anything else throws with OpenSSL's messages.
@discardableResult
func openssl(_ function: String = #function, _ body: () -> Int32) throws(CryptoError) -> Int32 {
    let rc = body()
    guard rc == 1 else { throw OpenSSLError.error(function) }
    return rc
}

/// Runs one OpenSSL call that returns an object, or NULL on failure.
@unsafe
func openssl(_ function: String = #function, _ body: () -> OpaquePointer?) throws(CryptoError) -> OpaquePointer {
    guard let pointer = unsafe body() else { throw OpenSSLError.error(function) }
    return unsafe pointer
}
