internal import COpenSSL

/// One-entry `OSSL_PARAM` lists, for the settings the shim's headers have no function for.
///
/// An `OSSL_PARAM` keeps pointers to its name and value ("the key … is not copied", OSSL_PARAM(3)), so
/// both C strings must outlive every use of the list: they are kept alive for the whole of `body`. (Passing
/// a Swift string straight to `OSSL_PARAM_construct_*` gives a pointer that dies when that call returns.)
enum Parameters {
    /// Calls `body` with `[name: value (UTF-8 string), end]`.
    @unsafe
    static func withString<T>(_ name: String, _ value: String, _ body: (UnsafeMutablePointer<OSSL_PARAM>) -> T) -> T {
        unsafe name.withCString { name in
            unsafe value.withCString { value in
                var params = unsafe [
                    OSSL_PARAM_construct_utf8_string(name, UnsafeMutablePointer(mutating: value), 0),
                    OSSL_PARAM_construct_end(),
                ]
                return unsafe params.withUnsafeMutableBufferPointer { unsafe body($0.baseAddress!) }
            }
        }
    }

    /// Calls `body` with `[name: value (unsigned int), end]`.
    @unsafe
    static func withUnsignedInteger<T>(_ name: String, _ value: UInt32, _ body: (UnsafeMutablePointer<OSSL_PARAM>) -> T)
        -> T
    {
        var value = value
        return unsafe name.withCString { name in
            unsafe withUnsafeMutablePointer(to: &value) { value in
                var params = unsafe [OSSL_PARAM_construct_uint(name, value), OSSL_PARAM_construct_end()]
                return unsafe params.withUnsafeMutableBufferPointer { unsafe body($0.baseAddress!) }
            }
        }
    }
}
