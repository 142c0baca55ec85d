import Foundation
import Glibc

/// `gatehouse serve` started from the built binary with a private config, socket and runtime directory;
/// stopped (SIGTERM, then SIGKILL) and cleaned up whatever the test does.
final class ServerProcess {
    let directory: String
    let socket: String
    let process: Process
    let logPath: String

    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["GATEHOUSE_BIN"] { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/gatehouse").path
    }

    init(settings: [String: String] = [:]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gh-harness-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        socket = "\(directory)/gh.sock"
        logPath = "\(directory)/server.log"
        var lines = [
            "DATABASE_URL=sqlite://\(directory)/gh.db", "KEYS_DIR=\(directory)/keys", "LISTEN=unix:\(socket)",
            "RUNTIME_DIR=\(directory)/run", "WORKERS=2", "SHUTDOWN_TIMEOUT=10s",
        ]
        lines += settings.map { "\($0.key)=\($0.value)" }
        try lines.joined(separator: "\n").write(toFile: "\(directory)/gatehouse.env", atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["serve", "--config", "\(directory)/gatehouse.env"]
        process.environment = ["PATH": "/usr/bin:/bin"]
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = FileHandle(forWritingAtPath: logPath)
        try process.run()
        let workers = Int(settings["WORKERS"] ?? "2") ?? 2
        for _ in 0..<100 {
            // Up means every worker has started, not only the first one to answer.
            if workerPIDs.count == workers, (try? FastCGI.request(socket: socket, uri: "/health"))?.status == 200 {
                return
            }
            usleep(100_000)
        }
        stop()
        throw FastCGI.ClientError(description: "server did not come up:\n\(log)")
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The worker pids, from the log lines of started workers that have not exited.
    var workerPIDs: Set<Int32> {
        var pids: Set<Int32> = []
        for line in log.split(separator: "\n") {
            guard let range = line.range(of: "worker.pid=") else { continue }
            let pid = Int32(line[range.upperBound...].prefix { $0.isNumber }) ?? 0
            if line.contains("Worker started") { pids.insert(pid) }
            if line.contains("Worker exited") || line.contains("Worker failed") || line.contains("Worker killed") { pids.remove(pid) }
        }
        return pids
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            for _ in 0..<100 where process.isRunning { usleep(50_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit { stop() }
}

/// Runs `body` against a fresh server and always stops it.
func withServer<T>(settings: [String: String] = [:], _ body: (ServerProcess) throws -> T) throws -> T {
    let server = try ServerProcess(settings: settings)
    defer { server.stop() }
    return try body(server)
}
