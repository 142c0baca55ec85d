import Foundation
import Synchronization
import Testing

@testable import Store

/// What one worker (a thread or a child process) saw.
struct WorkerReport: Codable, Sendable {
    var proceeded = 0
    var refused = 0
    var errors: [String] = []
    /// The longest single wrong-login step (`begin`, plus `fail` when it proceeded), in microseconds.
    var worstLoginMicroseconds = 0
    /// The longest single write while every worker hammers the database, in microseconds.
    var worstWriteMicroseconds = 0
    var writes = 0
}

/// One worker of the parallel-login test: its own connection, `attempts` wrong logins against one shared
/// identifier (threshold 5), then `writes` lockout upserts of its own, all starting at `startAt`.
func runLockoutWorker(url: String, worker: Int, attempts: Int, writes: Int, startAt: Date) -> WorkerReport {
    var report = WorkerReport()
    do {
        let db = try Database.open(url: url)
        let lockouts = Lockouts(db: db)
        while Date() < startAt { usleep(200) }
        let now = t0
        for _ in 0..<attempts {
            let started = ContinuousClock.now
            do {
                switch try lockouts.begin(identifier: "victim@example.com", now: now, threshold: 5, window: 900) {
                case .proceed:
                    report.proceeded += 1
                    try lockouts.fail(
                        identifier: "victim@example.com", now: now, threshold: 5, baseDuration: 900,
                        maxDuration: 86_400)
                case .locked:
                    report.refused += 1
                }
            } catch {
                report.errors.append("\(error)")
            }
            report.worstLoginMicroseconds = max(report.worstLoginMicroseconds, microseconds(since: started))
        }
        for index in 0..<writes {
            let started = ContinuousClock.now
            do {
                _ = try lockouts.begin(identifier: "w\(worker)-\(index)", now: now, threshold: 5, window: 900)
                report.writes += 1
            } catch {
                report.errors.append("\(error)")
            }
            report.worstWriteMicroseconds = max(report.worstWriteMicroseconds, microseconds(since: started))
        }
    } catch {
        report.errors.append("\(error)")
    }
    return report
}

func microseconds(since start: ContinuousClock.Instant) -> Int {
    let elapsed = ContinuousClock.now - start
    return Int(elapsed.components.seconds) * 1_000_000 + Int(elapsed.components.attoseconds / 1_000_000_000_000)
}

/// Checks the reports of one parallel run and prints its figures.
func checkParallelRun(_ label: String, reports: [WorkerReport], attempts: Int, url: String) throws {
    let errors = reports.flatMap(\.errors)
    #expect(errors.isEmpty, "no SQLITE_BUSY or other error surfaced: \(errors.prefix(3))")
    #expect(reports.map(\.proceeded).reduce(0, +) == 5, "exactly the threshold reached the password check")
    #expect(reports.map { $0.proceeded + $0.refused }.reduce(0, +) == attempts)
    let lockouts = Lockouts(db: try Database.open(url: url))
    #expect(try lockouts.lockedUntil(identifier: "victim@example.com", now: t0) == t0.addingTimeInterval(900))
    let worstLogin = reports.map(\.worstLoginMicroseconds).max() ?? 0
    let worstWrite = reports.map(\.worstWriteMicroseconds).max() ?? 0
    let writes = reports.map(\.writes).reduce(0, +)
    print(
        "\(label): \(attempts) wrong logins, \(reports.map(\.proceeded).reduce(0, +)) proceeded, worst login step "
            + "\(worstLogin) µs; then \(writes) contended writes, worst \(worstWrite) µs; errors \(errors.count)")
}

@Suite(.serialized) struct LockoutConcurrencyTests {
    static let workers = 8
    static let attemptsPerWorker = 25  // 200 in all
    static let writesPerWorker = 500

    @Test("200 parallel wrong logins on 8 connections (threads) let exactly 5 reach the password check",
        arguments: testBackends)
    func acrossThreads(backend: Backend) throws {
        try withDatabaseURL(backend) { url in
            let reports = Mutex<[WorkerReport]>([])
            let startAt = Date().addingTimeInterval(0.2)
            for worker in 0..<Self.workers {
                Thread {
                    let report = runLockoutWorker(
                        url: url, worker: worker, attempts: Self.attemptsPerWorker, writes: Self.writesPerWorker,
                        startAt: startAt)
                    reports.withLock { $0.append(report) }
                }.start()
            }
            while reports.withLock({ $0.count }) < Self.workers { usleep(1_000) }
            try checkParallelRun(
                "threads \(backend)", reports: reports.withLock { $0 }, attempts: Self.workers * Self.attemptsPerWorker,
                url: url)
        }
    }

    #if os(Linux)
    @Test("200 parallel wrong logins from 8 processes let exactly 5 reach the password check",
        arguments: testBackends)
    func acrossProcesses(backend: Backend) throws {
        try withDatabaseURL(backend) { url in try withTemporaryDirectory { directory in
            // This test binary runs again, once per worker, with only lockoutChildProcess selected.
            let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
            let startAt = Date().addingTimeInterval(1.0)
            let children = try (0..<Self.workers).map { worker in
                let child = Process()
                child.executableURL = URL(fileURLWithPath: executable)
                child.arguments = ["--testing-library", "swift-testing", "--filter", "lockoutChildProcess"]
                var environment = ProcessInfo.processInfo.environment
                environment[childKey] = [
                    url, "\(worker)", "\(Self.attemptsPerWorker)", "\(Self.writesPerWorker)",
                    "\(startAt.timeIntervalSince1970)", directory + "/report-\(worker).json",
                ].joined(separator: "\n")
                child.environment = environment
                child.standardOutput = FileHandle.nullDevice
                child.standardError = FileHandle.nullDevice
                try child.run()
                return child
            }
            defer { children.filter(\.isRunning).forEach { $0.terminate() } }
            children.forEach { $0.waitUntilExit() }
            #expect(children.allSatisfy { $0.terminationStatus == 0 })
            let reports = try (0..<Self.workers).map { worker in
                try JSONDecoder().decode(
                    WorkerReport.self,
                    from: Data(contentsOf: URL(fileURLWithPath: directory + "/report-\(worker).json")))
            }
            try checkParallelRun(
                "processes \(backend)", reports: reports, attempts: Self.workers * Self.attemptsPerWorker, url: url)
        } }
    }
    #endif

    @Test("lockout child process (works only when started by the multi-process test)")
    func lockoutChildProcess() throws {
        guard let spec = ProcessInfo.processInfo.environment[childKey] else { return }
        let fields = spec.split(separator: "\n").map(String.init)
        try #require(fields.count == 6)
        let report = runLockoutWorker(
            url: fields[0], worker: Int(fields[1]) ?? 0, attempts: Int(fields[2]) ?? 0, writes: Int(fields[3]) ?? 0,
            startAt: Date(timeIntervalSince1970: Double(fields[4]) ?? 0))
        try JSONEncoder().encode(report).write(to: URL(fileURLWithPath: fields[5]))
    }
}

/// The environment variable that turns a run of this test binary into a lockout worker.
let childKey = "GATEHOUSE_STORE_LOCKOUT_CHILD"
