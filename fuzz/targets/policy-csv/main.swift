// The policy CSV reader (PUT /policies with text/csv, `gatehouse policies import`), and the same text as JSON lines.
import FuzzSupport
@testable import AuthHandlers

let reader = PolicyReader()

runFuzzer { bytes in
    let csv = text(bytes)
    if let lines = try? reader.read(csv: csv) {
        // Every line read prints as a line that reads back the same.
        let again = try? reader.read(lines: lines.map(\.description))
        precondition(again == lines, "policy lines do not round-trip")
    }
    _ = try? reader.read(lines: csv.split(separator: "\n").map(String.init))
}
