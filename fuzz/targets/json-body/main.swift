// Request body decoding: the input as a JSON body decoded into JSONValue and into route bodies (login,
// register, logout), then assignment rules read from the decoded value, as the routes do.
import FuzzSupport
@testable import FCGIHost
@testable import AuthHandlers

let headers = Headers([("Content-Type", "application/json; charset=utf-8")])

runFuzzer { bytes in
    let request = Request(
        method: "POST", path: "/auth/login", query: QueryParameters(), headers: headers, remoteAddress: "127.0.0.1",
        body: bytes)
    _ = try? request.decode(LoginRoutes.LoginBody.self)
    _ = try? request.decode(LoginRoutes.RegisterBody.self)
    _ = try? request.decode(LoginRoutes.LogoutBody.self)
    if let value = try? request.decode(JSONValue.self) {
        _ = try? AssignmentRules(json: value)
    }
    _ = JSONText.decode(text(bytes))
}
