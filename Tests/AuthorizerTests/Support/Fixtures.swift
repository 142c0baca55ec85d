import Foundation

/// The bytes of `Fixtures/<name>` from the test bundle.
func fixtureData(_ name: String) throws -> Data {
    let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
    guard let url = Bundle.module.url(forResource: parts[0], withExtension: parts[1], subdirectory: "Fixtures") else {
        throw FixtureError.missing(name)
    }
    return try Data(contentsOf: url)
}

/// `Fixtures/<name>` as text.
func fixtureText(_ name: String) throws -> String {
    String(decoding: try fixtureData(name), as: UTF8.self)
}

/// `Fixtures/<name>` decoded from JSON.
func fixture<T: Decodable>(_ name: String, as type: T.Type = T.self) throws -> T {
    try JSONDecoder().decode(T.self, from: fixtureData(name))
}

enum FixtureError: Error { case missing(String) }
