import Foundation
import Synchronization
import Testing

@testable import Store

/// ``CheckpointPolicy``: the write-ahead log starts again from its beginning under steady writes from several
/// connections with readers always about, and a reader that keeps its snapshot delays neither writer nor log for
/// long. The log's length is SQLite's own figure (`PRAGMA wal_checkpoint`'s `log` column, frames).
@Suite(.serialized) struct CheckpointPolicyTests {
    /// Frames in the log, asked on `observer`, a connection that takes no part otherwise (its passive checkpoint
    /// copies frames but never starts the log again: only a writer does that).
    static func logFrames(_ observer: Database) throws -> Int {
        let row = try #require(try observer.queryOne("PRAGMA wal_checkpoint(PASSIVE)"))
        return try row.get("log", as: Int.self)
    }

    /// The size of the log's file (0 when the last connection has closed and removed it).
    static func walFileBytes(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int) ?? 0
    }

    @Test("three writers and two readers, all at once: the log starts again instead of growing without end")
    func steadyWritesWithReaders() throws {
        try withDatabaseFile { path in
            do {
                let db = try Database(path: path)
                try db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, writer INTEGER NOT NULL, body TEXT NOT NULL)")
                try db.execute("CREATE INDEX notes_body ON notes (body)")
            }
            let stop = Atomic<Bool>(false)
            let finished = Atomic<Int>(0)
            let failures = Mutex<[String]>([])
            var maxLog = 0, maxFile = 0
            let writers = 3, readers = 2, commitsPerWriter = 800
            for writer in 0..<writers {
                Thread {
                    defer { finished.add(1, ordering: .sequentiallyConsistent) }
                    do {
                        let db = try Database(path: path)
                        for commit in 0..<commitsPerWriter {
                            // Two rows a commit, their index entries spread over the index: several pages each.
                            try db.transaction {
                                for row in 0..<2 {
                                    try db.execute(
                                        "INSERT INTO notes (writer, body) VALUES (?, ?)", writer,
                                        String(repeating: "\(writer)-\(commit)-\(row)-\(UUID().uuidString)", count: 8))
                                }
                            }
                        }
                    } catch { failures.withLock { $0.append("writer \(writer): \(error)") } }
                }.start()
            }
            for reader in 0..<readers {
                Thread {
                    defer { finished.add(1, ordering: .sequentiallyConsistent) }
                    do {
                        let db = try Database(path: path)
                        while !stop.load(ordering: .sequentiallyConsistent) {
                            _ = try db.snapshot { try db.queryOne("SELECT count(*) AS n, max(id) AS m FROM notes") }
                            usleep(50)
                        }
                    } catch { failures.withLock { $0.append("reader \(reader): \(error)") } }
                }.start()
            }
            // The log's length now and then while the writers run.
            let observer = try Database(path: path)
            while finished.load(ordering: .sequentiallyConsistent) < writers {
                maxLog = max(maxLog, try Self.logFrames(observer))
                maxFile = max(maxFile, Self.walFileBytes(path))
                usleep(20_000)
            }
            stop.store(true, ordering: .sequentiallyConsistent)
            while finished.load(ordering: .sequentiallyConsistent) < writers + readers { usleep(1_000) }
            #expect(failures.withLock { $0 } == [])
            let rows = try #require(try Database(path: path).queryOne("SELECT count(*) AS n FROM notes"))
            #expect(try rows.get("n", as: Int.self) == writers * commitsPerWriter * 2)
            // 2,400 commits of about five frames each: without the log starting again it would hold them all (12,600
            // frames with SQLite's automatic checkpoint). With it, 1,000 and a few hundred more while a RESTART
            // waits; the bound leaves room for several attempts that find a reader in the way.
            #expect(maxLog < 3_500, "the log reached \(maxLog) frames")
            #expect(maxFile <= SQLiteConnection.walSizeLimit, "the log's file reached \(maxFile) bytes")
        }
    }

    @Test("a reader that keeps its snapshot: commits go on, the log waits for it, then starts again")
    func longReader() throws {
        try withDatabaseFile { path in
            let writer = try Database(path: path)
            try writer.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
            let reader = try Database(path: path)
            let observer = try Database(path: path)
            let threshold = Int(CheckpointPolicy.defaultThreshold)
            func write(until frames: Int) throws {
                while try Self.logFrames(observer) < frames {
                    try writer.transaction {
                        try writer.execute("INSERT INTO notes (body) VALUES (?)", String(repeating: "x", count: 3_000))
                    }
                }
            }
            let started = ContinuousClock.now
            try reader.snapshot {
                let before = try #require(try reader.queryOne("SELECT count(*) AS n FROM notes"))
                // Past the mark, and past several retries: each attempt gives up after a short wait, not after the
                // connection's five-second busy timeout.
                try write(until: threshold * 2)
                let after = try #require(try reader.queryOne("SELECT count(*) AS n FROM notes"))
                #expect(try before.get("n", as: Int.self) == after.get("n", as: Int.self))
            }
            #expect(ContinuousClock.now - started < .seconds(5))
            // The reader is gone: the next attempt (a quarter of the mark on) restarts the log.
            var commits = 0
            while try Self.logFrames(observer) >= threshold && commits < threshold {
                try writer.transaction { try writer.execute("INSERT INTO notes (body) VALUES ('y')") }
                commits += 1
            }
            #expect(try Self.logFrames(observer) < threshold, "the log did not start again after \(commits) commits")
        }
    }
}
