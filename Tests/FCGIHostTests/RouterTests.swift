import Testing
import FCGIHost

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite struct RouterTests {
    func makeRouter() -> Router {
        let router = Router()
        router.get("/users/{id}") { request, _ in .text("user \(try request.parameters.require("id"))") }
        router.put("/users/{id}") { _, _ in .noContent }
        router.get("/users/me") { _, _ in .text("me") }
        router.get("/users/{id}/assignments/{aid}") { request, _ in
            .text("\(request.parameters["id"] ?? "")/\(request.parameters["aid"] ?? "")")
        }
        router.get("/boom") { _, _ in throw BoomError() }
        return router
    }

    struct BoomError: Error, CustomStringConvertible {
        var description: String { "the database file /secret/path is corrupt" }
    }

    func respond(_ router: Router, _ method: String, _ target: String) throws -> Response {
        router.respond(to: try Request(method: method, target: target), context: RequestContext(logger: quietLogger))
    }

    @Test("path parameters are captured and percent-decoded per segment")
    func parameters() throws {
        let router = makeRouter()
        #expect(String(decoding: try respond(router, "GET", "/users/a%2Fb").body, as: UTF8.self) == "user a/b")
        #expect(String(decoding: try respond(router, "GET", "/users/42/assignments/7").body, as: UTF8.self) == "42/7")
    }

    @Test("a literal segment beats a parameter")
    func literalWins() throws {
        #expect(String(decoding: try respond(makeRouter(), "GET", "/users/me").body, as: UTF8.self) == "me")
    }

    @Test("an unknown path is a 404 problem")
    func notFound() throws {
        let response = try respond(makeRouter(), "GET", "/nowhere")
        #expect(response.status == 404)
        #expect(response.headers["Content-Type"] == "application/problem+json")
        let problem = try JSONDecoder().decode([String: JSONValue].self, from: Data(response.body))
        #expect(problem["code"] == .string("not_found"))
        #expect(problem["status"] == .number(404))
        #expect(problem["type"] == .string("about:blank"))
        #expect(problem["title"] == .string("Not Found"))
    }

    @Test("a known path with a wrong method is a 405 listing the allowed methods")
    func methodNotAllowed() throws {
        let response = try respond(makeRouter(), "DELETE", "/users/42")
        #expect(response.status == 405)
        #expect(response.headers["Allow"] == "GET, PUT, HEAD")
        // /users/me has only GET: the parameter route's PUT does not leak into its Allow.
        #expect(try respond(makeRouter(), "PUT", "/users/me").headers["Allow"] == "GET, HEAD")
    }

    @Test("HEAD is answered by the GET route without a body")
    func head() throws {
        let response = try respond(makeRouter(), "HEAD", "/users/me")
        #expect(response.status == 200)
        #expect(response.body.isEmpty)
    }

    @Test("an unexpected error is a fixed 500 and its text goes only to the log")
    func unexpectedError() throws {
        let captured = LogCapture()
        let router = makeRouter()
        let response = router.respond(
            to: try Request(method: "GET", target: "/boom"), context: RequestContext(logger: captured.logger))
        #expect(response.status == 500)
        let body = String(decoding: response.body, as: UTF8.self)
        #expect(body.contains("\"code\":\"internal\""))
        #expect(!body.contains("/secret/path"))
        #expect(captured.lines.joined().contains("/secret/path"))
    }

    @Test("middleware wraps handlers in the order added")
    func middlewareOrder() throws {
        let router = makeRouter()
        router.use { request, context, next in
            var response = try next(request, context)
            response.headers.add("X-Order", "outer")
            return response
        }
        router.use { request, context, next in
            var response = try next(request, context)
            response.headers.add("X-Order", "inner")
            return response
        }
        #expect(try respond(router, "GET", "/users/me").headers.values("X-Order") == ["inner", "outer"])
    }

    @Test("the pattern list is the metrics label set, each pattern once")
    func patterns() {
        #expect(makeRouter().patterns == ["/users/{id}", "/users/me", "/users/{id}/assignments/{aid}", "/boom"])
    }

    @Test("a literal route is found however its path is spelled: doubled or trailing slashes, escaped letters")
    func literalSpellings() throws {
        let router = makeRouter()
        for target in ["/users/me", "/users//me", "/users/me/", "//users/me", "/users/m%65", "/%75sers/me?x=1"] {
            #expect(String(decoding: try respond(router, "GET", target).body, as: UTF8.self) == "me", "\(target)")
        }
        // An escaped slash stays inside its segment: one segment, not the two of /users/me.
        #expect(try respond(router, "GET", "/users%2Fme").status == 404)
        #expect(try respond(router, "GET", "/users/me/x").status == 404)
        #expect(try respond(router, "GET", "/users/%ZZ").status == 400)
    }

    @Test("scoped middleware runs for routes and unmatched paths under its prefixes only")
    func scopedMiddleware() throws {
        let router = makeRouter()
        router.use(pathPrefixes: ["/users"]) { request, context, next in
            var response = (try? next(request, context)) ?? Response(status: 404)
            response.headers.add("X-Scoped", request.route.isEmpty ? "unmatched" : request.route)
            return response
        }
        #expect(try respond(router, "GET", "/users/me").headers["X-Scoped"] == "/users/me")
        #expect(try respond(router, "GET", "/users/7/assignments/1").headers["X-Scoped"] == "/users/{id}/assignments/{aid}")
        #expect(try respond(router, "GET", "/users/7/nothing").headers["X-Scoped"] == "unmatched")
        #expect(try respond(router, "GET", "/boom").headers["X-Scoped"] == nil)
        #expect(try respond(router, "GET", "/nowhere").headers["X-Scoped"] == nil)
    }

    @Test("routes added after the first request are served too")
    func addAfterServing() throws {
        let router = makeRouter()
        #expect(try respond(router, "GET", "/late").status == 404)
        router.get("/late") { _, _ in .text("late") }
        #expect(try respond(router, "GET", "/late").status == 200)
    }

    @Test("each answer names its route and the route's place in the pattern list, 0 when none matched")
    func routeNumbers() throws {
        let router = makeRouter()
        let context = RequestContext(logger: quietLogger)
        for (target, pattern) in [("/users/me", "/users/me"), ("/users/5", "/users/{id}"), ("/boom", "/boom")] {
            let answer = router.respondWithRoute(to: try Request(method: "GET", target: target), context: context)
            #expect(answer.route == pattern)
            #expect(router.patterns[answer.routeNumber - 1] == pattern)
        }
        let missing = router.respondWithRoute(to: try Request(method: "GET", target: "/none"), context: context)
        #expect(missing.route == "" && missing.routeNumber == 0)
    }
}
