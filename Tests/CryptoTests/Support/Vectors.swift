import Foundation

/// Reads `Vectors/<name>.json` from the test bundle.
func loadVector<T: Decodable>(_ name: String, as type: T.Type = T.self) throws -> T {
    guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Vectors") else {
        throw VectorError.missing(name)
    }
    return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
}

enum VectorError: Error { case missing(String) }

/// Bytes from a hex string such as `"0d640df5…"`.
func hexBytes(_ hex: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        bytes.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

/// A hex string for `bytes`.
func hexString(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

/// Runs `body` with a fresh temporary directory that is removed afterwards, whatever happens.
@discardableResult
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = NSTemporaryDirectory() + "gatehouse-crypto-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// The UTF-8 bytes of `string`.
func utf8(_ string: String) -> [UInt8] { Array(string.utf8) }
