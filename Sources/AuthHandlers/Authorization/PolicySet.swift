/// An immutable, compiled snapshot of policy lines (API.md "Policies", Casbin's `rbac_with_domains_model.conf`),
/// answering in time that grows with what a subject reaches, not with the number of lines.
///
/// The model: `(sub, dom, obj, act)` is allowed when a line `p, s, d, obj, act` exists with `d == dom` and `sub`
/// reaches `s` through `g` lines of domain `dom`, where `sub` reaches itself and, as in Casbin's default role
/// manager (`max_hierarchy_level` 10), any subject or role at most ``maxHops`` `g` links away.
///
/// Gatehouse's extension, the domain `*` (``PolicyLine/anyDomain``): a `p` line of domain `*` applies in every
/// domain, and `g` lines of domain `*` join the `g` lines of every domain, so a user's global roles
/// (`g, user, role, *`) and inheritance declared there hold everywhere, together with a domain's own lines.
/// This is exactly Casbin with the matcher
/// `g(r.sub, p.sub, r.dom) && (r.dom == p.dom || p.dom == "*") && r.obj == p.obj && r.act == p.act`
/// and the domain matching function `lambda request_dom, link_dom: link_dom == "*"` on `g`; without `*` in
/// any line, it is Casbin's model unchanged (the tests hold both against pycasbin).
///
/// A query names a user by every alias its lines may use (its id and its email): the answer is the union of the
/// answers for each alias, as if each had been asked of Casbin.
///
/// Where Gatehouse and Casbin part, besides `*`: an empty policy allows nothing (Casbin, with no `p` line,
/// evaluates the matcher once with empty fields and so allows the request `("", "", "", "")`); and the lines
/// ``PolicyReader`` refuses (see there) are ones Casbin would skip, truncate or fail on at its first request.
///
/// ```swift
/// let policies = PolicySet(lines: try PolicyReader().read(csv: text) + [.globalRole(user: id, role: "viewer")])
/// policies.allows(subjects: [id, email], domain: "ZoneA/FieldTeam", object: "assets", action: "read")
/// ```
public struct PolicySet: Sendable {
    /// The longest chain of `g` links followed from a subject: Casbin's role manager searches
    /// `max_hierarchy_level` (10) levels, the subject itself being the first, so a role 10 links away is not held.
    public static let maxHops = 9

    /// Subjects and roles share one namespace, as in Casbin.
    let nodeIDs: [String: Int32]
    let nodeNames: [String]
    let domainIDs: [String: Int32]
    let domainNames: [String]
    /// `(object, action)` pairs, as `obj:act` strings by id.
    let permissionIDs: [ObjectAction: Int32]
    let permissionNames: [String]
    let permissionParts: [ObjectAction]
    /// `g` links by (domain, subject): the roles the subject holds there.
    let links: [UInt64: [Int32]]
    /// `p` lines by (domain, subject): the permission ids, sorted, each once.
    let grants: [UInt64: [Int32]]
    /// The id of the domain `*` when any line names it.
    let anyDomain: Int32?
    /// Distinct lines compiled.
    public let count: Int

    struct ObjectAction: Hashable, Sendable {
        let object: String
        let action: String
    }

    /// An empty set: nothing is allowed.
    public init() {
        self.init(lines: [])
    }

    /// Compiles `lines`, duplicates counted once.
    public init(lines: some Sequence<PolicyLine>) {
        var nodeIDs: [String: Int32] = [:]
        var nodeNames: [String] = []
        var domainIDs: [String: Int32] = [:]
        var domainNames: [String] = []
        var permissionIDs: [ObjectAction: Int32] = [:]
        var permissionParts: [ObjectAction] = []
        var links: [UInt64: [Int32]] = [:]
        var grants: [UInt64: [Int32]] = [:]

        func node(_ name: String) -> Int32 {
            if let id = nodeIDs[name] { return id }
            let id = Int32(nodeNames.count)
            nodeIDs[name] = id
            nodeNames.append(name)
            return id
        }
        func domain(_ name: String) -> Int32 {
            if let id = domainIDs[name] { return id }
            let id = Int32(domainNames.count)
            domainIDs[name] = id
            domainNames.append(name)
            return id
        }
        for line in lines {
            switch line {
            case let .permission(subject, domainName, object, action):
                let pair = ObjectAction(object: object, action: action)
                let permission: Int32
                if let id = permissionIDs[pair] {
                    permission = id
                } else {
                    permission = Int32(permissionParts.count)
                    permissionIDs[pair] = permission
                    permissionParts.append(pair)
                }
                grants[Self.key(domain(domainName), node(subject)), default: []].append(permission)
            case let .grouping(subject, role, domainName):
                links[Self.key(domain(domainName), node(subject)), default: []].append(node(role))
            }
        }
        var count = 0
        for (key, ids) in grants {
            let unique = Array(Set(ids)).sorted()
            count += unique.count
            grants[key] = unique
        }
        for (key, ids) in links {
            let unique = Array(Set(ids))
            count += unique.count
            links[key] = unique
        }
        self.nodeIDs = nodeIDs
        self.nodeNames = nodeNames
        self.domainIDs = domainIDs
        self.domainNames = domainNames
        self.permissionIDs = permissionIDs
        self.permissionParts = permissionParts
        self.permissionNames = permissionParts.map { "\($0.object):\($0.action)" }
        self.links = links
        self.grants = grants
        self.anyDomain = domainIDs[PolicyLine.anyDomain]
        self.count = count
    }

    static func key(_ domain: Int32, _ node: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: domain)) << 32 | UInt64(UInt32(bitPattern: node))
    }
}
