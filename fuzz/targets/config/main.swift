// The config file reader: the input as an env file, then its values validated as `gatehouse serve` does.
import FuzzSupport
@testable import FCGIHost

runFuzzer { bytes in
    guard let pairs = try? EnvFile.parse(text(bytes), source: "fuzz.env") else { return }
    var values: [String: String] = [:]
    for (key, value) in pairs { values[key] = value }
    _ = try? Config(values: values)
}
