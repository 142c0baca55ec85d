extension PolicySet {
    /// Whether any of `subjects` (one user's aliases, or a role) may do `action` on `object` in `domain`.
    public func allows(subjects: [String], domain: String, object: String, action: String) -> Bool {
        grant(subjects: subjects, domain: domain, object: object, action: action) != nil
    }

    /// The `p` line that allows the request, for a reason to show; nil when none does. When several do, which
    /// one is unspecified.
    public func grant(subjects: [String], domain: String, object: String, action: String) -> PolicyLine? {
        guard let permission = permissionIDs[ObjectAction(object: object, action: action)] else { return nil }
        let domains = lineDomains(domain)
        var found: PolicyLine?
        visit(subjects: subjects, domains: domains) { node, _ in
            for domain in domains where grants[Self.key(domain, node)]?.containsSorted(permission) == true {
                found = .permission(
                    subject: nodeNames[Int(node)], domain: domainNames[Int(domain)], object: object, action: action)
                return false
            }
            return true
        }
        return found
    }

    /// Every permission `obj:act` that `subjects` hold in `domain`, sorted.
    public func permissions(subjects: [String], domain: String) -> [String] {
        let domains = lineDomains(domain)
        var held = Set<Int32>()
        visit(subjects: subjects, domains: domains) { node, _ in
            for domain in domains { held.formUnion(grants[Self.key(domain, node)] ?? []) }
            return true
        }
        // Distinct pairs may still print alike ("a:b" + "c" and "a" + "b:c").
        return Set(held.map { permissionNames[Int($0)] }).sorted()
    }

    /// The roles `subjects` hold in `domain`, directly or inherited (within ``maxHops``), sorted; the subjects
    /// themselves are not listed.
    public func roles(subjects: [String], domain: String) -> [String] {
        var roles: [String] = []
        visit(subjects: subjects, domains: lineDomains(domain)) { node, hops in
            if hops > 0 { roles.append(nodeNames[Int(node)]) }
            return true
        }
        return roles.filter { !subjects.contains($0) }.sorted()
    }

    /// The ids of the domains whose lines apply in `domain`: its own and `*`.
    func lineDomains(_ domain: String) -> [Int32] {
        var domains: [Int32] = []
        if let id = domainIDs[domain] { domains.append(id) }
        if let any = anyDomain, !domains.contains(any) { domains.append(any) }
        return domains
    }

    /// Breadth first from `subjects` along the `g` links of `domains`, each node once with its distance in links,
    /// at most ``maxHops``; stops when `body` returns false.
    func visit(subjects: [String], domains: [Int32], _ body: (Int32, Int) -> Bool) {
        var seen = Set<Int32>()
        var frontier: [Int32] = []
        for subject in subjects {
            if let id = nodeIDs[subject], seen.insert(id).inserted { frontier.append(id) }
        }
        var hops = 0
        while !frontier.isEmpty {
            var next: [Int32] = []
            for node in frontier {
                guard body(node, hops) else { return }
                guard hops < Self.maxHops else { continue }
                for domain in domains {
                    for role in links[Self.key(domain, node)] ?? [] where seen.insert(role).inserted {
                        next.append(role)
                    }
                }
            }
            frontier = next
            hops += 1
        }
    }
}

extension Array where Element == Int32 {
    /// Binary search in a sorted array.
    fileprivate func containsSorted(_ value: Int32) -> Bool {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if self[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low < count && self[low] == value
    }
}
