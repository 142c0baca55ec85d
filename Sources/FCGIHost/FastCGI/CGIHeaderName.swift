/// `X_REQUESTED_WITH` → `x-requested-with`, in one pass over the bytes, built in place (names of up to 15 bytes
/// allocate nothing): the name of every header of every request goes through here.
func headerName(fromCGI cgiName: some Collection<UInt8>) -> String {
    unsafe String(unsafeUninitializedCapacity: cgiName.count) { buffer in
        var count = 0
        for byte in cgiName {
            unsafe buffer[count] = headerNameByte(fromCGI: byte)
            count += 1
        }
        return count
    }
}

/// One byte of a CGI name as a header name's: `_` → `-`, upper case → lower case.
@inline(__always)
func headerNameByte(fromCGI byte: UInt8) -> UInt8 {
    byte == UInt8(ascii: "_") ? UInt8(ascii: "-") : (byte >= 65 && byte <= 90 ? byte + 32 : byte)
}
