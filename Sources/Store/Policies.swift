/// The `policies` table (Casbin lines as canonical text, in order) and the `authz_epoch` counters the workers'
/// authorization snapshots are checked against.
///
///     let policies = Policies(db: db)
///     try db.transaction { try policies.replace(with: ["p, admin, domain1, data1, read"]) }
///     let (policyEpoch, assignmentEpoch) = try policies.epochs()
public struct Policies {
    let db: Database

    public init(db: Database) {
        self.db = db
    }

    /// Every line, in order.
    public func lines() throws -> [String] {
        try db.query("SELECT line FROM policies ORDER BY position").map { try $0.get("line") }
    }

    /// Replaces every line with `lines` and moves the `policies` counter once. Call it inside a transaction, so a
    /// failure leaves the old set whole.
    public func replace(with lines: [String]) throws {
        try db.execute("DELETE FROM policies")
        for (position, line) in lines.enumerated() {
            try db.execute("INSERT INTO policies (position, line) VALUES (?, ?)", position + 1, line)
        }
        try db.execute("UPDATE authz_epoch SET policies = policies + 1 WHERE id = 1")
    }

    /// The two change counters: `policies` moves with roles, their permissions and the policy lines;
    /// `assignments` with users' global roles and assignments.
    public func epochs() throws -> (policies: Int64, assignments: Int64) {
        guard let row = try db.queryOne("SELECT policies, assignments FROM authz_epoch WHERE id = 1") else {
            return (0, 0)
        }
        return (try row.get("policies"), try row.get("assignments"))
    }
}
