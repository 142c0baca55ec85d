/// Which addresses a webhook may be sent to: public unicast only, unless `WEBHOOK_ALLOW_PRIVATE=true`.
///
/// Refused: unspecified, loopback, private (RFC 1918, RFC 4193), shared (RFC 6598), link-local, multicast, reserved
/// and benchmarking ranges, and IPv6 forms that embed one of those IPv4 addresses (mapped, compatible, NAT64, 6to4).
public enum AddressPolicy {
    /// (first bytes, prefix length) of each refused IPv4 block.
    private static let refusedV4: [([UInt8], Int)] = [
        ([0, 0, 0, 0], 8), ([10, 0, 0, 0], 8), ([100, 64, 0, 0], 10), ([127, 0, 0, 0], 8), ([169, 254, 0, 0], 16),
        ([172, 16, 0, 0], 12), ([192, 0, 0, 0], 24), ([192, 0, 2, 0], 24), ([192, 168, 0, 0], 16),
        ([198, 18, 0, 0], 15), ([198, 51, 100, 0], 24), ([203, 0, 113, 0], 24), ([224, 0, 0, 0], 4),
        ([240, 0, 0, 0], 4),
    ]
    /// Unique local, link-local, site-local (deprecated, still routed by some), multicast, documentation, Teredo
    /// (a tunnel to an address it hides), discard-only (`100::/64`) and local-use NAT64 (`64:ff9b:1::/48`).
    private static let refusedV6: [([UInt8], Int)] = [
        ([0xfc], 7), ([0xfe, 0x80], 10), ([0xfe, 0xc0], 10), ([0xff], 8), ([0x20, 0x01, 0x0d, 0xb8], 32),
        ([0x20, 0x01, 0, 0], 32), ([0x01, 0, 0, 0, 0, 0, 0, 0], 64), ([0, 0x64, 0xff, 0x9b, 0, 0x01], 48),
    ]

    /// Whether `bytes` (4 or 16) is an address a webhook may reach.
    public static func isPublic(_ bytes: [UInt8]) -> Bool {
        if bytes.count == 4 { return !refusedV4.contains { matches(bytes, $0.0, $0.1) } }
        guard bytes.count == 16 else { return false }
        let zeros = [UInt8](repeating: 0, count: 10)
        // ::, ::1 and the IPv4-compatible ::a.b.c.d, and ::ffff:a.b.c.d: judged as IPv4 (:: and ::1 are 0/8 then).
        if Array(bytes[0..<10]) == zeros, bytes[10...11] == [0, 0] || bytes[10...11] == [0xff, 0xff] {
            return isPublic(Array(bytes[12...]))
        }
        // NAT64 (64:ff9b::/96) reaches the embedded IPv4 address.
        if Array(bytes[0..<12]) == [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0] { return isPublic(Array(bytes[12...])) }
        // 6to4 (2002::/16) reaches the IPv4 address in its next four bytes.
        if bytes[0] == 0x20, bytes[1] == 0x02 { return isPublic(Array(bytes[2..<6])) }
        return !refusedV6.contains { matches(bytes, $0.0, $0.1) }
    }

    private static func matches(_ address: [UInt8], _ network: [UInt8], _ prefixLength: Int) -> Bool {
        var remaining = prefixLength
        for (index, byte) in network.enumerated() where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xff << (8 - bits))
            if address[index] & mask != byte & mask { return false }
            remaining -= bits
        }
        return true
    }

    /// The address as text, for messages.
    public static func text(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: bytes.count, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }
}
