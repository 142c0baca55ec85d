extension PolicySet {
    /// Whether any of `subjects` (one user's aliases, or a role) may do `action` on `object` in `domain`.
    ///
    /// `userLines` are the user's own `g` lines, kept out of the compiled set so that it does not grow with the
    /// users (``PolicyLine/assignment(user:role:zone:department:)``, ``PolicyLine/globalRole(user:role:)``): the
    /// answer is the one the set would give with them compiled in. Only `g` lines whose subject is one of
    /// `subjects` count; others are ignored.
    public func allows(
        subjects: [String], domain: String, object: String, action: String, userLines: [PolicyLine] = []
    ) -> Bool {
        grant(subjects: subjects, domain: domain, object: object, action: action, userLines: userLines) != nil
    }

    /// The `p` line that allows the request, for a reason to show; nil when none does. When several do, which
    /// one is unspecified. `userLines` as in ``allows(subjects:domain:object:action:userLines:)``.
    public func grant(
        subjects: [String], domain: String, object: String, action: String, userLines: [PolicyLine] = []
    ) -> PolicyLine? {
        guard let permission = permissionIDs[ObjectAction(object: object, action: action)] else { return nil }
        let domains = lineDomains(domain)
        var found: PolicyLine?
        visit(subjects: subjects, domain: domain, domains: domains, userLines: userLines) { node, _ in
            for domain in domains where grants[Self.key(domain, node)]?.containsSorted(permission) == true {
                found = .permission(
                    subject: nodeNames[Int(node)], domain: domainNames[Int(domain)], object: object, action: action)
                return false
            }
            return true
        }
        return found
    }

    /// Every permission `obj:act` that `subjects` hold in `domain`, sorted. `userLines` as in
    /// ``allows(subjects:domain:object:action:userLines:)``.
    public func permissions(subjects: [String], domain: String, userLines: [PolicyLine] = []) -> [String] {
        let domains = lineDomains(domain)
        var held = Set<Int32>()
        visit(subjects: subjects, domain: domain, domains: domains, userLines: userLines) { node, _ in
            for domain in domains { held.formUnion(grants[Self.key(domain, node)] ?? []) }
            return true
        }
        // Distinct pairs may still print alike ("a:b" + "c" and "a" + "b:c").
        return Set(held.map { permissionNames[Int($0)] }).sorted()
    }

    /// The roles `subjects` hold in `domain`, directly or inherited (within ``maxHops``), sorted; the subjects
    /// themselves are not listed. `userLines` as in ``allows(subjects:domain:object:action:userLines:)``; a role
    /// they name that no compiled line mentions is listed too.
    public func roles(subjects: [String], domain: String, userLines: [PolicyLine] = []) -> [String] {
        var roles = Set(Self.userRoles(subjects: subjects, domain: domain, userLines: userLines))
        visit(subjects: subjects, domain: domain, domains: lineDomains(domain), userLines: userLines) { node, hops in
            if hops > 0 { roles.insert(nodeNames[Int(node)]) }
            return true
        }
        return roles.filter { !subjects.contains($0) }.sorted()
    }

    /// The roles that `userLines` give `subjects` in `domain` directly: the `g` lines of `domain` or `*`.
    static func userRoles(subjects: [String], domain: String, userLines: [PolicyLine]) -> [String] {
        userLines.compactMap { line in
            guard case let .grouping(subject, role, lineDomain) = line, subjects.contains(subject),
                lineDomain == domain || lineDomain == PolicyLine.anyDomain
            else { return nil }
            return role
        }
    }

    /// The ids of the domains whose lines apply in `domain`: its own and `*`.
    func lineDomains(_ domain: String) -> [Int32] {
        var domains: [Int32] = []
        if let id = domainIDs[domain] { domains.append(id) }
        if let any = anyDomain, !domains.contains(any) { domains.append(any) }
        return domains
    }

    /// Breadth first from `subjects` along the `g` links of `domains` (and the first links that `userLines` add),
    /// each node once with its distance in links, at most ``maxHops``; stops when `body` returns false.
    func visit(
        subjects: [String], domain: String, domains: [Int32], userLines: [PolicyLine], _ body: (Int32, Int) -> Bool
    ) {
        var seen = Set<Int32>()
        var frontier: [Int32] = []
        for subject in subjects {
            if let id = nodeIDs[subject], seen.insert(id).inserted { frontier.append(id) }
        }
        // The user's own lines are links from hop 0 to hop 1, as if compiled in.
        var firstLinks: [Int32] = []
        for role in Self.userRoles(subjects: subjects, domain: domain, userLines: userLines) {
            if let id = nodeIDs[role] { firstLinks.append(id) }
        }
        var hops = 0
        while !frontier.isEmpty || (hops == 0 && !firstLinks.isEmpty) {
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
            if hops == 0 {
                for role in firstLinks where seen.insert(role).inserted { next.append(role) }
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
