import AuthHandlers
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `policy-compile --file F.csv [--rounds N]`: what a worker's policy snapshot rebuild costs, reading the lines and
/// compiling them (``Authorizer/compile(roles:lines:)``), as the median of N rounds in milliseconds.
func policyCompile(_ options: Options) throws -> Int32 {
    let path = try options.required("file")
    let rounds = try options.int("rounds", default: 5)
    guard let data = FileManager.default.contents(atPath: path) else { throw UsageError("cannot read \(path)") }
    let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    var times: [Double] = []
    var compiled = 0
    for _ in 0..<max(1, rounds) {
        let started = ContinuousClock.now
        compiled = try Authorizer.compile(roles: [], lines: lines).count
        let elapsed = started.duration(to: .now)
        times.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
    }
    times.sort()
    func ms(_ value: Double) -> String { String(Double(Int(value * 10)) / 10) }
    let median: Double = times[times.count / 2]
    let fastest: Double = times[0]
    let slowest: Double = times[times.count - 1]
    print("lines=\(compiled) median_ms=\(ms(median)) min_ms=\(ms(fastest)) max_ms=\(ms(slowest))")
    return 0
}
