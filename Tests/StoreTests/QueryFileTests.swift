import Testing

@testable import Store

/// The text side of a query file in `RPC_DIR`: its name, its declarations, its first keyword (docs/RPC.md).
@Suite struct QueryFileTests {
    func parse(_ text: String, fileName: String = "q.sql") throws -> QueryFile {
        try QueryFile.parse(fileName: fileName, bytes: Array(text.utf8))
    }

    func refusal(_ text: String, fileName: String = "q.sql") -> String? {
        do {
            _ = try QueryFile.parse(fileName: fileName, bytes: Array(text.utf8))
            return nil
        } catch {
            #expect(error == .invalidQueryFile)
            return error.reason
        }
    }

    @Test("the file name is the function name; other files are not query files")
    func names() throws {
        #expect(try QueryFile.functionName(fileName: "active_users.sql") == "active_users")
        #expect(try QueryFile.functionName(fileName: "_x9.sql") == "_x9")
        #expect(try QueryFile.functionName(fileName: "README.md") == nil)
        #expect(try QueryFile.functionName(fileName: "users.sql.bak") == nil)
        #expect(try QueryFile.functionName(fileName: "users.SQL") == nil)
    }

    @Test(
        "a .sql file whose name is not an identifier is refused, not skipped",
        arguments: ["my-query.sql", "1st.sql", ".hidden.sql", ".sql", "a b.sql", "ü.sql", "a.b.sql",
                    String(repeating: "a", count: 64) + ".sql"])
    func badNames(fileName: String) {
        #expect(refusal("SELECT 1", fileName: fileName)?.hasPrefix(fileName) == true)
    }

    @Test("header comments declare parameter types; other comments and later lines declare nothing")
    func declarations() throws {
        let file = try parse("""
            -- Users since a time.
            --   :since   INTEGER
            --:domain text

            -- :flag boolean
            SELECT :since AS since, :domain AS domain, :flag AS flag, :later AS later
            -- :later integer
            """)
        #expect(file.name == "q")
        #expect(file.declaredTypes == ["since": "integer", "domain": "text", "flag": "boolean"])
        #expect(file.sql.hasPrefix("-- Users since a time."))
    }

    @Test("every type a header may declare")
    func allTypes() throws {
        let types = ["integer", "real", "text", "boolean", "json", "blob", "any"]
        let header = types.map { "-- :p_\($0) \($0)" }.joined(separator: "\n")
        let file = try parse(header + "\nSELECT 1")
        #expect(file.declaredTypes.count == types.count)
        #expect(Set(QueryFile.types.keys) == Set(types))
    }

    @Test(
        "malformed, unknown and repeated declarations are refused naming the file",
        arguments: [
            ("-- :since\nSELECT :since", "declaration reads"),
            ("-- :since integer extra\nSELECT :since", "declaration reads"),
            ("-- :1x integer\nSELECT 1", "declaration reads"),
            ("-- :since bigint\nSELECT :since", "has type bigint"),
            ("-- :since integer\n-- :since text\nSELECT :since", "declared twice"),
        ])
    func badDeclarations(text: String, expected: String) {
        let reason = refusal(text)
        #expect(reason?.hasPrefix("q.sql: ") == true)
        #expect(reason?.contains(expected) == true, "\(reason ?? "accepted")")
    }

    @Test(
        "only SELECT, WITH and VALUES may start the statement",
        arguments: [
            "DELETE FROM users", "UPDATE users SET name = 'x'", "INSERT INTO users DEFAULT VALUES",
            "PRAGMA query_only = OFF", "ATTACH DATABASE '/tmp/x.db' AS x", "EXPLAIN SELECT 1", "BEGIN",
            "VACUUM INTO '/tmp/copy.db'", "CREATE TABLE t (x)", "", "-- only a comment", "/* unterminated SELECT 1",
        ])
    func statementKinds(text: String) {
        #expect(refusal(text)?.contains("holds one SELECT") == true, "\(text)")
    }

    @Test("the first keyword is found after whitespace and both kinds of comments")
    func firstKeyword() {
        #expect(QueryFile.firstKeyword("  /* a\n b */ -- c\n\tselect 1") == "SELECT")
        #expect(QueryFile.firstKeyword("with x as (select 1) select * from x") == "WITH")
        #expect(QueryFile.firstKeyword("VALUES (1)") == "VALUES")
        #expect(QueryFile.firstKeyword("/**/SELECT") == "SELECT")
        #expect(QueryFile.firstKeyword("-- SELECT") == "")
    }

    @Test("text that is not UTF-8, holds a NUL byte or is too large is refused")
    func badBytes() {
        for bytes in [[0x53, 0x45, 0xFF], Array("SELECT 1\0; DELETE FROM users".utf8)] {
            do {
                _ = try QueryFile.parse(fileName: "q.sql", bytes: bytes)
                Issue.record("accepted \(bytes)")
            } catch {
                #expect(error.reason == "q.sql: not UTF-8 text")
            }
        }
        let large = "SELECT 1 -- " + String(repeating: "x", count: QueryFile.maxBytes)
        #expect(refusal(large)?.contains("larger than") == true)
    }
}
