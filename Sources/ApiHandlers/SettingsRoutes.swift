#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AuthHandlers
import FCGIHost
import Store

/// Zone settings: `GET /v1/settings` (`settings:read`) → `{"settings": {key: value}}` and
/// `PUT /v1/settings/{key}` (`settings:write`) with `{"value": <json>}` → `{"key", "value"}`.
///
/// The zone is the caller's own; a caller without a zone names it with `?zone=` (422 without). Known keys are
/// checked against ``SettingSchema`` (422 on `value`); a malformed key is a 422 on `key`.
struct SettingsRoutes {
    let authenticator: Authenticator
    let database: Database
    let settings: Settings
    let log: ChangeLog

    func addRoutes(to router: Router) {
        let routes = GuardedRoutes(router, authenticator: authenticator)
        routes.get("/v1/settings", permission: "settings:read", use: list)
        routes.put("/v1/settings/{key}", permission: "settings:write", use: update)
    }

    struct SettingsBody: Encodable {
        let settings: [String: JSONValue]
    }

    struct SettingBody: Encodable {
        let key: String
        let value: JSONValue
    }

    /// `GET /v1/settings?zone=`: every setting of the zone, known keys with their default until set.
    func list(_ request: Request, context: RequestContext, principal: Principal) throws -> Response {
        let zone = try ZoneRules.requiredZone(principal, request)
        var values = SettingSchema.known.mapValues(\.defaultValue)
        for (key, json) in try settings.all(zone: zone) {
            values[key] = (try? JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))) ?? .null
        }
        return try .business(SettingsBody(settings: values))
    }

    struct ValueBody: Decodable {
        let value: JSONValue

        enum CodingKeys: String, CodingKey {
            case value
        }

        /// `value` must be there; `null` is a value (for keys that are not known).
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            guard container.contains(.value) else {
                throw HTTPError.validation(field: "value", "is required")
            }
            value =
                try container.decodeNil(forKey: .value) ? .null : try container.decode(JSONValue.self, forKey: .value)
        }
    }

    /// `PUT /v1/settings/{key}?zone=` → 200 `{"key", "value"}`.
    func update(_ request: Request, context: RequestContext, principal: Principal) throws -> Response {
        let zone = try ZoneRules.requiredZone(principal, request)
        let key = try request.parameters.require("key")
        let body = try request.decode(ValueBody.self)
        var errors = FieldErrors()
        if !SettingSchema.isValidKey(key) {
            errors.add("key", "must be 1 to 64 lowercase letters, digits, _, . or -, starting with a letter")
        }
        let json = Self.encode(body.value)
        if let known = SettingSchema.known[key] {
            if let problem = known.problem(body.value) { errors.add("value", problem) }
        } else if json.utf8.count > SettingSchema.maxEncodedBytes {
            errors.add("value", "must be at most \(SettingSchema.maxEncodedBytes) bytes as JSON")
        }
        try errors.check()
        try database.perform(.saveSetting) {
            let created = try settings.set(
                zone: zone, key: key, json: json, actorId: principal.userID, now: context.receivedAt)
            try log.record(
                created ? .created : .updated, .setting, id: key, zone: zone, principal: principal, request: request,
                context: context)
        }
        return try .business(SettingBody(key: key, value: body.value))
    }

    /// Compact JSON with sorted keys, as stored.
    static func encode(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}
