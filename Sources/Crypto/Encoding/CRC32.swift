/// CRC-32 (ISO-HDLC: reflected polynomial 0xEDB88320, initial value and final XOR 0xFFFFFFFF), the checksum of
/// zlib, PNG and Ethernet. Not a security function: it lets an API key's last characters reject typos and garbage
/// before anything else is done with the key.
///
///     CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? (value >> 1) ^ 0xEDB8_8320 : value >> 1 }
        return value
    }

    /// The CRC-32 of `bytes`.
    public static func checksum<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt32 {
        checksum(ArraySlice(bytes))
    }

    /// ``checksum(_:)`` over bytes already in memory, compiled here for them (a generic call from another module
    /// is not specialised: an API-key check spent most of its time in the generic iteration).
    public static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
