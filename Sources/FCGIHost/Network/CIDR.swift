/// An address block such as `10.0.0.0/8` or `2001:db8::/32`; a bare address is a block of one.
public struct CIDR: Sendable, Equatable, CustomStringConvertible {
    public let network: IPAddress
    public let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else { return nil }
        // An IPv4-mapped IPv6 address parses as IPv4, but its prefix is counted over 128 bits.
        let maxLength = parts[0].contains(":") ? 128 : address.bytes.count * 8
        var length = maxLength
        if parts.count == 2 {
            guard let value = Int(parts[1]), parts[1].allSatisfy(\.isNumber), (0...maxLength).contains(value) else {
                return nil
            }
            length = value
        }
        // An IPv4-mapped IPv6 block (::ffff:10.0.0.0/104, or the bare address: /128) is kept as IPv4.
        if parts[0].contains(":") && address.isV4 { length -= 96 }
        guard length >= 0 else { return nil }
        network = address
        prefixLength = length
    }

    /// Whether `address` lies in this block; IPv4 and IPv6 never match each other.
    public func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == network.bytes.count else { return false }
        var remaining = prefixLength
        for (a, b) in zip(address.bytes, network.bytes) {
            if remaining <= 0 { return true }
            let mask: UInt8 = remaining >= 8 ? 0xff : ~(0xff >> UInt8(remaining))
            if a & mask != b & mask { return false }
            remaining -= 8
        }
        return true
    }

    public var description: String { "\(network)/\(prefixLength)" }
}

extension Array where Element == CIDR {
    /// Whether any block holds the textual address; an unparsable address is in none (fail closed).
    public func contains(address text: String) -> Bool {
        guard let address = IPAddress(text) else { return false }
        return contains { $0.contains(address) }
    }
}
