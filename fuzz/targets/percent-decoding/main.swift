// Percent-decoding: path segments and query strings.
import FuzzSupport
@testable import FCGIHost

runFuzzer { bytes in
    let input = text(bytes)
    _ = PercentDecoding.decode(Substring(input), plusAsSpace: false)
    _ = PercentDecoding.decode(Substring(input), plusAsSpace: true)
    if let query = try? QueryParameters(parsing: input) {
        _ = query.values("limit")
        _ = query["cursor"]
    }
}
