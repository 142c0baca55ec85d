import FCGIHost
import Synchronization

let quietLogger = Logger(label: "test", level: .critical, sink: { _ in })

/// Collects log lines in memory so tests can check what was logged.
final class LogCapture: Sendable {
    private let storage = Mutex<[String]>([])
    var lines: [String] { storage.withLock { $0 } }
    var logger: Logger {
        Logger(label: "test", level: .trace, sink: { line in self.storage.withLock { $0.append(line) } })
    }
}
