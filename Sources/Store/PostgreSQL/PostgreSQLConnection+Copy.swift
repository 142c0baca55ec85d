extension PostgreSQLConnection {
    /// From `pg_index`: the columns of the table's primary-key index, in the index's column order (`indkey`).
    func primaryKey(of table: String) throws(StoreError) -> [String] {
        try query(
            """
            SELECT a.attname::text AS name
            FROM pg_index AS i
            JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
            WHERE i.indrelid = to_regclass(?) AND i.indisprimary
            ORDER BY array_position(i.indkey::int2[], a.attnum)
            """, bindings: [.text(quotedIdentifier(table))]
        ).compactMap { row in
            if case .text(let name) = row["name"] { return name }
            return nil
        }
    }

    /// The table's user triggers (asset counts, authorization epochs, version bumps) are disabled while the rows go
    /// in and enabled again afterwards; `ALTER TABLE` is transactional, so a rollback enables them too. It needs the
    /// table's owner, which the role that migrated the database is (`session_replication_role`, which would also
    /// do, needs a superuser). Foreign-key checks stay on: the copy order puts parents first.
    ///
    /// Then every column with a sequence behind it (identity columns: the audit log's, activity's, reset requests'
    /// ids) has its sequence set to the largest copied value, so the next default id comes after it; a table with no
    /// rows keeps its sequence as it is (`setval` ignores NULL).
    func bulkCopy(into table: String, _ insertRows: () throws(StoreError) -> Void) throws(StoreError) {
        let name = quotedIdentifier(table)
        _ = try query("ALTER TABLE \(name) DISABLE TRIGGER USER", bindings: [])
        try insertRows()
        _ = try query("ALTER TABLE \(name) ENABLE TRIGGER USER", bindings: [])
        let sequences = try query(
            """
            SELECT a.attname::text AS name, pg_get_serial_sequence(?1, a.attname) AS sequence
            FROM pg_attribute AS a
            WHERE a.attrelid = to_regclass(?1) AND a.attnum > 0 AND NOT a.attisdropped
                AND pg_get_serial_sequence(?1, a.attname) IS NOT NULL
            """, bindings: [.text(name)])
        for row in sequences {
            guard case .text(let column) = row["name"], case .text(let sequence) = row["sequence"] else { continue }
            _ = try query(
                "SELECT setval(CAST(? AS regclass), max(\(quotedIdentifier(column)))) FROM \(name)",
                bindings: [.text(sequence)])
        }
    }
}
