public import FCGIHost
public import Store

/// A client as the key checks use it: the stored client and its allowlist parsed once.
public struct ClientSnapshot: Sendable {
    public let client: Client
    /// The parsed `ip_allowlist`; an entry that no longer parses is dropped (it allows nothing: fail closed).
    public let cidrs: [CIDR]

    init(_ client: Client) {
        self.client = client
        cidrs = client.ipAllowlist.compactMap(CIDR.init)
    }

    /// Whether `address` lies in the allowlist; an empty allowlist or an unparsable address allows nothing.
    public func allows(address: String) -> Bool {
        cidrs.contains(address: address)
    }
}
