import AuthHandlers
import FCGIHost
import Store

/// How a business call finds its zone (API.md "Business routes").
///
/// A caller working in a zone (the token's `ctx.zone`) sees only that zone: other zones' rows are invisible
/// (404 for one row, absent from lists and the dashboard). Naming another zone, with `?zone=` or `zone` in a
/// body, is a 422 on the `zone` field: the caller's own input is wrong, and the answer is the same whether that
/// zone exists or not, so it tells nothing about other zones. Naming their own zone is allowed.
///
/// A caller without a zone (a global administrator) sees every zone, narrows reads with `?zone=`, must give
/// `zone` in the body to create a row, and must name the zone of the settings it reads or writes.
enum ZoneRules {
    /// Zone names: 1 to 128 characters, no `/` or control characters (the assignments' rule).
    static func problem(_ zone: String) -> String? {
        let bad = zone.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || $0 == "/" }
        return zone.isEmpty || zone.count > 128 || bad
            ? "must be 1 to 128 characters, without / or control characters" : nil
    }

    /// The zones a read covers: the caller's own; for a caller without one, `?zone=` or every zone.
    static func readScope(_ principal: Principal, _ request: Request) throws -> ZoneScope {
        let named = request.query["zone"].flatMap { $0.isEmpty ? nil : $0 }
        if let own = principal.zone {
            if let named, named != own { throw otherZone(own, field: "zone") }
            return .only(own)
        }
        guard let named else { return .all }
        if let problem = problem(named) { throw HTTPError.validation(field: "zone", problem) }
        return .only(named)
    }

    /// The one zone a call works on (settings): the caller's own, or `?zone=` for a caller without one.
    static func requiredZone(_ principal: Principal, _ request: Request) throws -> String {
        guard case .only(let zone) = try readScope(principal, request) else {
            throw HTTPError.validation(
                field: "zone", "is required: you have no current zone, so name one with ?zone=")
        }
        return zone
    }

    /// The zone of a new row: the caller's own; for a caller without one, `zone` from the body. Problems are
    /// added to `errors`.
    static func zoneForCreate(
        _ principal: Principal, named: String?, errors: inout [HTTPError.FieldError]
    ) -> String {
        if let own = principal.zone {
            if let named, named != own { errors.append(otherZoneError(own, field: "zone")) }
            return own
        }
        guard let named else {
            errors.append(.init(field: "zone", message: "is required: you have no current zone, so name one"))
            return ""
        }
        if let problem = problem(named) { errors.append(.init(field: "zone", message: problem)) }
        return named
    }

    /// A `zone` in an update body must be the row's own: rows never move between zones.
    static func checkUnchanged(_ named: String?, current: String, errors: inout [HTTPError.FieldError]) {
        if let named, named != current {
            errors.append(.init(field: "zone", message: "cannot change: a row stays in the zone it was created in"))
        }
    }

    private static func otherZoneError(_ own: String, field: String) -> HTTPError.FieldError {
        .init(field: field, message: "must be your current zone (\(own)); switch context to work in another zone")
    }

    private static func otherZone(_ own: String, field: String) -> HTTPError {
        .validation([otherZoneError(own, field: field)])
    }
}
