#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public func probe() -> String {
    let d = try! JSONEncoder().encode(["a": 1])
    return String(decoding: d, as: UTF8.self) + ProcessInfo.processInfo.environment["HOME", default: ""] + "\(Date())" + UUID().uuidString
}
