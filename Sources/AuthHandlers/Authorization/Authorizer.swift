#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import Store

/// The one place that answers "what may this user do in this domain" (DESIGN.md "Authorization"): the
/// permissions a token carries (login, refresh, switch), `/permissions/*`, grant checks and the business rules of
/// a token's context. Nothing else computes effective permissions.
///
/// A worker keeps one compiled ``PolicySet`` of the global data (every role's permissions as `p, role, *, obj,
/// act`, and the policy lines), rebuilt when the `policies` counter in the database moves; a user's own lines
/// (`g, user, role, *` for each global role, `g, user, role, zone/department` for each active assignment) are
/// read per question, so the snapshot does not grow with the users. The counters are read only when the
/// scoreboard's write generation moved or a second passed, like the revocation counter.
///
///     let subject = try authorizer.subject(userId: id)
///     let grants = try authorizer.grants(subject, in: Authorizer.domain(zone: "ZoneA", department: "Ops"))
public final class Authorizer {
    /// A user as authorization sees it: its aliases in policy lines (id and email), its global roles and its
    /// assignments.
    public struct Subject: Sendable {
        public let user: User
        public let globalRoles: [String]
        public let assignments: [Assignment]

        public init(user: User, globalRoles: [String], assignments: [Assignment]) {
            self.user = user
            self.globalRoles = globalRoles
            self.assignments = assignments
        }

        var aliases: [String] { [user.id, user.email] }

        /// The active assignment whose domain is `domain`, if any.
        public func activeAssignment(in domain: String) -> Assignment? {
            assignments.first { $0.active && Authorizer.domain(of: $0) == domain }
        }
    }

    /// The roles (held directly or inherited there) and permissions of a subject in one domain.
    public struct Grants: Sendable, Equatable {
        public let roles: [String]
        public let permissions: [String]

        /// Whether these permissions grant `permission` (`*` segments match anything).
        public func allows(_ permission: String) -> Bool { Permissions.allows(permissions, permission) }
    }

    let roles: Roles
    let assignments: Assignments
    let users: Users
    let policies: Policies
    private let writeGeneration: () -> UInt64?
    private var seenGeneration: UInt64?
    private var checkedAt = ContinuousClock.now - .seconds(10)
    private var policyEpoch: Int64 = -1
    private var assignmentEpoch: Int64 = -1
    private var compiled = PolicySet()
    /// Parsed rules by their JSON text (few distinct texts exist), and context assignments by user and domain.
    private var parsedRules: [String: AssignmentRules] = [:]
    private var contexts: [String: Assignment?] = [:]
    private static let cacheCapacity = 10_000

    public init(database: Database, writeGeneration: @escaping () -> UInt64? = { nil }) {
        roles = Roles(db: database)
        assignments = Assignments(db: database)
        users = Users(db: database)
        policies = Policies(db: database)
        self.writeGeneration = writeGeneration
    }

    /// The domain of an assignment, `zone/department`; ``PolicyLine/anyDomain`` (`*`) stands for "no context".
    public static func domain(zone: String, department: String) -> String { "\(zone)/\(department)" }

    public static func domain(of assignment: Assignment) -> String {
        domain(zone: assignment.zone, department: assignment.department)
    }

    // MARK: Snapshot

    /// The compiled policies, rebuilt first when the counter moved.
    public func policySet() throws -> PolicySet {
        try refresh()
        return compiled
    }

    private func refresh() throws {
        let generation = writeGeneration()
        let clock = ContinuousClock.now
        guard generation == nil || generation != seenGeneration || checkedAt.duration(to: clock) > .seconds(1) else {
            return
        }
        let (policyCount, assignmentCount) = try policies.epochs()
        seenGeneration = generation
        checkedAt = clock
        if assignmentCount != assignmentEpoch {
            contexts.removeAll(keepingCapacity: true)
            assignmentEpoch = assignmentCount
        }
        if policyCount != policyEpoch {
            compiled = try Self.compile(roles: try roles.list(), lines: try policies.lines())
            policyEpoch = policyCount
        }
    }

    /// The snapshot of `roles` (as `p, role, *, obj, act`) and the stored policy lines.
    public static func compile(roles: [Role], lines: [String]) throws -> PolicySet {
        var all = try PolicyReader().read(lines: lines)
        for role in roles {
            all += role.permissions.compactMap { PolicyLine.rolePermission(role: role.name, permission: $0) }
        }
        return PolicySet(lines: all)
    }

    // MARK: Questions

    /// The user with its global roles and assignments; nil when there is no such user.
    public func subject(userId: String) throws -> Subject? {
        guard let user = try users.find(id: userId) else { return nil }
        return try subject(user: user)
    }

    public func subject(user: User) throws -> Subject {
        Subject(user: user, globalRoles: try roles.rolesOf(userId: user.id), assignments: try assignments.list(userId: user.id))
    }

    /// What `subject` holds in `domain`: its global roles everywhere, the role of its active assignment there,
    /// what those inherit through `g` lines of that domain and of `*`, and every permission reached. A disabled
    /// account holds nothing.
    public func grants(_ subject: Subject, in domain: String) throws -> Grants {
        guard subject.user.isActive else { return Grants(roles: [], permissions: []) }
        var direct = subject.globalRoles
        if let assignment = subject.activeAssignment(in: domain), !direct.contains(assignment.role) {
            direct.append(assignment.role)
        }
        return try grants(subjects: subject.aliases, userLines: userLines(subject), direct: direct, in: domain)
    }

    /// The subject's own implied lines: `g, user, role, *` per global role and `g, user, role, zone/department`
    /// per active assignment, one link from the user as in Casbin (kept out of the compiled snapshot).
    func userLines(_ subject: Subject) -> [PolicyLine] {
        subject.globalRoles.map { PolicyLine.globalRole(user: subject.user.id, role: $0) }
            + subject.assignments.filter(\.active).map {
                PolicyLine.assignment(user: subject.user.id, role: $0.role, zone: $0.zone, department: $0.department)
            }
    }

    /// What `roles` give in `domain` (with what they inherit there): what granting them grants.
    public func grants(ofRoles roles: [String], in domain: String = PolicyLine.anyDomain) throws -> Grants {
        try grants(subjects: roles, userLines: [], direct: roles, in: domain)
    }

    private func grants(subjects: [String], userLines: [PolicyLine], direct: [String], in domain: String) throws
        -> Grants
    {
        let set = try policySet()
        var roles = direct
        for role in set.roles(subjects: subjects, domain: domain, userLines: userLines)
        where !roles.contains(role) && !subjects.contains(role) {
            roles.append(role)
        }
        return Grants(
            roles: roles, permissions: set.permissions(subjects: subjects, domain: domain, userLines: userLines))
    }

    /// The permissions `subject` holds anywhere: globally and in each of its active assignments' domains
    /// (what taking over or removing the account would hand the caller).
    public func everything(_ subject: Subject) throws -> [String] {
        var all = Set(try grants(subject, in: PolicyLine.anyDomain).permissions)
        for assignment in subject.assignments where assignment.active {
            all.formUnion(try grants(subject, in: Self.domain(of: assignment)).permissions)
        }
        return all.sorted()
    }

    // MARK: Contexts and rules

    /// The parsed rules of an assignment; an unreadable stored value refuses everything (fails closed).
    public func rules(of assignment: Assignment) -> AssignmentRules? {
        if let cached = parsedRules[assignment.rules] { return cached }
        guard let rules = try? AssignmentRules(text: assignment.rules) else { return nil }
        if parsedRules.count >= Self.cacheCapacity { parsedRules.removeAll(keepingCapacity: true) }
        parsedRules[assignment.rules] = rules
        return rules
    }

    /// Why `assignment`'s rules refuse a request at `date` from `address` with `deviceId`, or nil when they allow it.
    public func denial(_ assignment: Assignment, at date: Date, address: String, deviceId: String?) -> RuleDenial? {
        guard let rules = rules(of: assignment) else {
            return RuleDenial(rule: .hours, detail: "The rules of this assignment cannot be read; ask an administrator.")
        }
        return rules.check(at: date, address: address, deviceId: deviceId)
    }

    /// The context of a new session (API.md "Assignments"): the primary assignment if it is active and its rules
    /// allow the login, else the oldest active assignment whose rules allow it, else none.
    public func loginContext(_ subject: Subject, at date: Date, address: String, deviceId: String?) -> Assignment? {
        let active = subject.assignments.filter(\.active)
        if let primary = active.first(where: \.isPrimary),
            denial(primary, at: date, address: address, deviceId: deviceId) == nil
        {
            return primary
        }
        return active.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
            .first { denial($0, at: date, address: address, deviceId: deviceId) == nil }
    }

    /// The `assignments` counter (read again when the write generation moved or a second passed): a memo of a
    /// context check is good while it stays the same.
    public func assignmentGeneration() throws -> Int64 {
        try refresh()
        return assignmentEpoch
    }

    /// Until when a context check that allowed a request at `date` may be reused for the same address and device:
    /// the end of the open hours window (or `limit` when no hours rule limits time).
    public func allowedUntil(_ assignment: Assignment, after date: Date, limit: Int64) -> Int64 {
        guard let end = rules(of: assignment)?.hoursWindowEnd(after: date) else { return limit }
        return min(limit, Int64(end.timeIntervalSince1970.rounded(.down)))
    }

    /// The assignment behind a token's context, from a per-worker cache dropped whenever assignments or global
    /// roles change anywhere; nil when it no longer exists or is inactive.
    public func contextAssignment(userId: String, zone: String, department: String) throws -> Assignment? {
        try refresh()
        let key = "\(userId)\u{0}\(zone)\u{0}\(department)"
        if let cached = contexts[key] { return cached }
        let found = try assignments.find(userId: userId, zone: zone, department: department).flatMap {
            $0.active ? $0 : nil
        }
        if contexts.count >= Self.cacheCapacity { contexts.removeAll(keepingCapacity: true) }
        contexts[key] = .some(found)
        return found
    }
}

@available(*, unavailable)
extension Authorizer: Sendable {}
