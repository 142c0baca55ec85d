public import FCGIHost

/// The `/v1` business routes (branches, assets, settings, dashboard); registered by the wiring.
public struct BusinessRoutes {
    public init() {}

    /// Adds the business routes; none are served yet, so `/v1/*` answers 404 problem+json.
    public func addRoutes(to router: Router) {}
}
