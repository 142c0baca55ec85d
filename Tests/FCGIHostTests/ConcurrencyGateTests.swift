import FCGIHost
import Glibc
import Testing

import Foundation

/// The gate across real processes: this test binary runs again as each contender (as the lockout test does),
/// the contenders log "enter"/"exit" lines with O_APPEND (so the file's order is the order they happened in),
/// and the parent replays the log.
@Suite struct ConcurrencyGateTests {
    #if os(Linux)
    @Test("six processes through a gate of two: never more than two inside, and two at once do get in")
    func limitsAcrossProcesses() throws {
        try withGateFiles { scoreboard, log in
            let children = try (0..<6).map { _ in try spawnContender(scoreboard: scoreboard, limit: 2, mode: "loop", log: log) }
            defer { children.filter(\.isRunning).forEach { $0.terminate() } }
            children.forEach { $0.waitUntilExit() }
            #expect(children.allSatisfy { $0.terminationStatus == 0 })
            var inside = 0, most = 0, entries = 0
            for line in try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n") {
                if line.hasPrefix("enter") { inside += 1; entries += 1 }
                if line.hasPrefix("exit") { inside -= 1 }
                most = max(most, inside)
            }
            #expect(entries == 6 * gateIterations)
            #expect(inside == 0)
            #expect(most == 2)
        }
    }

    @Test("a process killed while holding the only slot does not keep it")
    func deadHolderReleased() throws {
        try withGateFiles { scoreboard, log in
            let holder = try spawnContender(scoreboard: scoreboard, limit: 1, mode: "hold", log: log)
            defer { if holder.isRunning { holder.terminate() } }
            try waitUntil(seconds: 20) { (try? String(contentsOfFile: log, encoding: .utf8))?.contains("holding") == true }
            kill(holder.processIdentifier, SIGKILL)
            holder.waitUntilExit()
            // The next contender finds the slot taken by a pid that is gone, and frees it after its 50 ms wait.
            let next = try spawnContender(scoreboard: scoreboard, limit: 1, mode: "loop", log: log)
            defer { if next.isRunning { next.terminate() } }
            try waitUntil(seconds: 20) { !next.isRunning }
            #expect(next.terminationStatus == 0)
            let log = try String(contentsOfFile: log, encoding: .utf8)
            #expect(log.components(separatedBy: "enter").count - 1 == 1 + gateIterations)
        }
    }
    #endif

    @Test("a run inside a run uses the slot already held instead of waiting for a second one")
    func reentrant() throws {
        try withGateFiles { scoreboard, _ in
            let finished = DispatchSemaphore(value: 0)
            let thread = Thread {
                guard let board = try? Scoreboard(path: scoreboard, create: false) else { return }
                let gate = ConcurrencyGate(scoreboard: board, limit: 1)
                let inner = gate.run { gate.run { 42 } }
                if inner == 42 { finished.signal() }
            }
            thread.start()
            #expect(finished.wait(timeout: .now() + 10) == .success)
        }
    }

    #if os(Linux)
    @Test("a slot's holder runs on that slot's CPU alone while it works, and on its CPUs again afterwards")
    func holderPinnedToItsSlotCPU() throws {
        try withGateFiles { scoreboard, _ in
            let done = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var seen: (before: String, inside: String, after: String, wide: String)?
            let thread = Thread {
                defer { done.signal() }
                guard let board = try? Scoreboard(path: scoreboard, create: false) else { return }
                let before = allowedCPUList()
                let inside = ConcurrencyGate(scoreboard: board, limit: 1).run { allowedCPUList() }
                let after = allowedCPUList()
                // More slots than CPUs: no slot has a CPU of its own, so nobody is pinned.
                let wide = ConcurrencyGate(scoreboard: board, limit: 64).run { allowedCPUList() }
                seen = (before, inside, after, wide)
            }
            thread.start()
            #expect(done.wait(timeout: .now() + 10) == .success)
            let result = try #require(seen)
            // The kernel's own account of the thread's mask (/proc/thread-self/status), as "0-1" or "0,2-3".
            let firstCPU = try #require(result.before.split(whereSeparator: { $0 == "," || $0 == "-" }).first)
            #expect(result.inside == String(firstCPU))
            #expect(result.after == result.before)
            if ProcessInfo.processInfo.activeProcessorCount < 64 { #expect(result.wide == result.before) }
        }
    }
    #endif

    @Test("gate contender (works only when started by the multi-process tests)")
    func gateChildProcess() throws {
        guard let spec = ProcessInfo.processInfo.environment[gateChildKey] else { return }
        let fields = spec.split(separator: "\n").map(String.init)
        try #require(fields.count == 4)
        let scoreboard = try Scoreboard(path: fields[0], create: false)
        let gate = ConcurrencyGate(scoreboard: scoreboard, limit: Int(fields[1]) ?? 1)
        let log = open(fields[3], O_WRONLY | O_APPEND)
        try #require(log >= 0)
        defer { close(log) }
        func note(_ text: String) { _ = text.utf8CString.withUnsafeBufferPointer { write(log, $0.baseAddress, $0.count - 1) } }
        if fields[2] == "hold" {
            gate.run {
                note("enter \(getpid())\nholding\n")
                sleep(60)
            }
            return
        }
        for _ in 0..<gateIterations {
            gate.run {
                note("enter \(getpid())\n")
                usleep(3_000)
                note("exit \(getpid())\n")
            }
        }
    }
}

let gateIterations = 15

/// The calling thread's allowed CPUs as the kernel lists them (`Cpus_allowed_list` of /proc/thread-self/status).
func allowedCPUList() -> String {
    let status = (try? String(contentsOfFile: "/proc/thread-self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") } ?? ""
    return line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces)
}

/// The environment variable that turns a run of this test binary into a gate contender.
let gateChildKey = "GATEHOUSE_GATE_CHILD"

/// A fresh scoreboard (as the supervisor makes it) and an empty log, removed afterwards.
func withGateFiles(_ body: (String, String) throws -> Void) throws {
    let directory = "/tmp/gatehouse-gate-\(RequestContext.makeRequestID())"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    _ = try Scoreboard(path: directory + "/scoreboard", create: true)
    #expect(FileManager.default.createFile(atPath: directory + "/log", contents: nil))
    try body(directory + "/scoreboard", directory + "/log")
}

func spawnContender(scoreboard: String, limit: Int, mode: String, log: String) throws -> Process {
    let child = Process()
    child.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
    child.arguments = ["--testing-library", "swift-testing", "--filter", "gateChildProcess"]
    var environment = ProcessInfo.processInfo.environment
    environment[gateChildKey] = [scoreboard, "\(limit)", mode, log].joined(separator: "\n")
    child.environment = environment
    child.standardOutput = FileHandle.nullDevice
    child.standardError = FileHandle.nullDevice
    try child.run()
    return child
}

struct GateTimeout: Error {}

func waitUntil(seconds: Double, _ condition: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        guard Date() < deadline else { throw GateTimeout() }
        usleep(10_000)
    }
}
