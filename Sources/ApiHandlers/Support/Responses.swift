import FCGIHost
import Store

extension Response {
    /// A business JSON answer: zone data, so no cache keeps it (`Cache-Control: no-store`).
    static func business<T: Encodable>(_ value: T, status: Int = 200, version: Int64? = nil) throws -> Response {
        var response = try Response.json(value, status: status)
        response.headers.set("Cache-Control", "no-store")
        if let version { response.headers.set("ETag", EntityTag.of(version: version)) }
        return response
    }

    /// `304 Not Modified` for a GET whose `If-None-Match` names the current version.
    static func notModified(version: Int64) -> Response {
        var response = Response(status: 304)
        response.headers.set("ETag", EntityTag.of(version: version))
        response.headers.set("Cache-Control", "no-store")
        return response
    }
}
