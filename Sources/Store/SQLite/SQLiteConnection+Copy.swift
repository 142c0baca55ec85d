extension SQLiteConnection {
    /// From `pragma_table_info`, whose `pk` column numbers the key's columns from 1 in key order.
    func primaryKey(of table: String) throws(StoreError) -> [String] {
        try query("SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", bindings: [.text(table)])
            .compactMap { row in
                if case .text(let name) = row["name"] { return name }
                return nil
            }
    }

    /// SQLite cannot switch a trigger off, so the table's triggers are dropped while the rows go in and re-created
    /// from their own text (`sqlite_schema.sql`) afterwards, in their original order (same-event triggers fire in
    /// creation order). All of it sits inside the caller's transaction: a rollback restores the triggers too.
    ///
    /// Foreign keys stay on and are checked row by row, a check that the copy order puts parents first. Rows with
    /// explicit ids raise an AUTOINCREMENT table's `sqlite_sequence` entry themselves.
    func bulkCopy(into table: String, _ insertRows: () throws(StoreError) -> Void) throws(StoreError) {
        let triggers = try query(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ? ORDER BY rowid",
            bindings: [.text(table)])
        for trigger in triggers {
            guard case .text(let name) = trigger["name"], case .text = trigger["sql"] else {
                throw StoreError.typeMismatch("trigger on \(table) without a name or text")
            }
            try execute("DROP TRIGGER \(quotedIdentifier(name))")
        }
        try insertRows()
        for trigger in triggers {
            if case .text(let sql) = trigger["sql"] { try executeScript(sql) }
        }
    }
}
