internal import CCurl
internal import Glibc

/// A webhook URL as libcurl reads it (the same parser that will send to it), and the addresses its host resolves to.
enum TargetAddress {
    /// The URL's scheme (lowercase) and host (an IPv6 literal without brackets), or nil when curl does not accept it
    /// as an absolute URL.
    static func parse(_ url: String) -> (scheme: String, host: String)? {
        guard let handle = unsafe curl_url() else { return nil }
        defer { unsafe curl_url_cleanup(handle) }
        guard unsafe curl_url_set(handle, CURLUPART_URL, url, 0) == CURLUE_OK else { return nil }
        func part(_ which: CURLUPart) -> String? {
            var value: UnsafeMutablePointer<CChar>? = nil
            guard unsafe curl_url_get(handle, which, &value, 0) == CURLUE_OK, let value = unsafe value else { return nil }
            defer { unsafe curl_free(value) }
            return unsafe String(cString: value)
        }
        guard let scheme = part(CURLUPART_SCHEME), var host = part(CURLUPART_HOST) else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (scheme.lowercased(), host)
    }

    /// The addresses `host` resolves to now (4 or 16 bytes each); empty when it does not resolve.
    static func resolve(_ host: String) -> [[UInt8]] {
        var hints = unsafe addrinfo()
        unsafe hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>? = nil
        guard unsafe getaddrinfo(host, nil, &hints, &result) == 0 else { return [] }
        defer { unsafe freeaddrinfo(result) }
        var addresses: [[UInt8]] = []
        var next = unsafe result
        while let info = unsafe next {
            if let address = unsafe info.pointee.ai_addr {
                let raw = unsafe UnsafeRawPointer(address)
                switch unsafe info.pointee.ai_family {
                case AF_INET: addresses.append(unsafe Array(UnsafeRawBufferPointer(start: raw + 4, count: 4)))
                case AF_INET6: addresses.append(unsafe Array(UnsafeRawBufferPointer(start: raw + 8, count: 16)))
                default: break
                }
            }
            unsafe next = unsafe info.pointee.ai_next
        }
        return addresses
    }
}
