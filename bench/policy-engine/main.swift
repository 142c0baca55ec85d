// The policy engine alone, at scale: rebuild time and queries per second (bench/policies-engine.sh builds this
// with swiftc -O together with Sources/AuthHandlers/Authorization's policy files).
//   policy-engine POLICY.csv REQUESTS.tsv
// REQUESTS.tsv: subjects (joined by "|"), domain, object, action, and pycasbin's answer (1/0) or "-".
import Foundation

let arguments = CommandLine.arguments
let text = try String(contentsOfFile: arguments[1], encoding: .utf8)
let requests = try String(contentsOfFile: arguments[2], encoding: .utf8).split(separator: "\n").map {
    $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

var policies = PolicySet()
var parsed: [PolicyLine] = []
var readTimes: [Double] = []
var buildTimes: [Double] = []
for _ in 0..<5 {
    readTimes.append(try seconds { parsed = try PolicyReader().read(csv: text) })
    buildTimes.append(seconds { policies = PolicySet(lines: parsed) })
}
readTimes.sort()
buildTimes.sort()
print("lines: \(parsed.count) read, \(policies.count) distinct")
print(String(format: "rebuild: read %.3f s + compile %.3f s (median of 5)", readTimes[2], buildTimes[2]))

let queries = requests.map { ($0[0].split(separator: "|").map(String.init), $0[1], $0[2], $0[3], $0[4]) }
var allowed = 0
var agree = 0
var compared = 0
for (subjects, domain, object, action, expected) in queries where expected != "-" {
    let ours = policies.allows(subjects: subjects, domain: domain, object: object, action: action)
    compared += 1
    if ours == (expected == "1") { agree += 1 }
}
print("agreement with pycasbin: \(agree) of \(compared) requests")
let rounds = 50
let allowTime = seconds {
    for _ in 0..<rounds {
        for (subjects, domain, object, action, _) in queries
        where policies.allows(subjects: subjects, domain: domain, object: object, action: action) {
            allowed += 1
        }
    }
}
print(String(format: "allows: %.0f queries/s (%d queries, %d allowed)", Double(rounds * queries.count) / allowTime,
             rounds * queries.count, allowed))
var held = 0
let permissionTime = seconds {
    for _ in 0..<rounds {
        for (subjects, domain, _, _, _) in queries { held += policies.permissions(subjects: subjects, domain: domain).count }
    }
}
print(String(format: "permissions: %.0f queries/s (%.1f permissions each)", Double(rounds * queries.count) / permissionTime,
             Double(held) / Double(rounds * queries.count)))
