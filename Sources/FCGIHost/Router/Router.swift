/// Routes requests by method and path pattern to synchronous handlers.
///
/// ```swift
/// let router = Router()
/// router.get("/users/{id}") { request, context in try .json(users.find(request.parameters.require("id"))) }
/// let response = router.respond(to: request, context: context)
/// ```
///
/// On the first request the routes are compiled into one endpoint per pattern, each already wrapped in the
/// middleware that applies to it, and a table from literal paths to endpoints: a request to `/auth/verify`
/// costs one dictionary lookup and no closure built per request. Adding a route or middleware later recompiles.
public final class Router {
    public typealias Handler = (Request, RequestContext) throws -> Response
    /// Wraps every routed request; call `next` to go on.
    public typealias Middleware = (Request, RequestContext, _ next: Handler) throws -> Response

    struct Route {
        let method: String
        let pattern: RoutePattern
        let handler: Handler
    }

    /// Middleware, for every path or only for paths that start with one of `pathPrefixes`.
    struct ScopedMiddleware {
        let pathPrefixes: [String]?
        let run: Middleware

        func applies(to path: String) -> Bool {
            pathPrefixes.map { prefixes in prefixes.contains { path.hasPrefix($0) } } ?? true
        }
    }

    /// Every route of one pattern behind its middleware; `number` is its place in ``patterns``, from 1.
    struct Endpoint {
        let pattern: RoutePattern
        let number: Int
        let handler: Handler
    }

    struct Table {
        let endpoints: [Endpoint]
        /// Endpoints of patterns without parameters, by path (`/auth/verify`), for paths in canonical form.
        let literal: [String: Int]
        /// Every endpoint, most specific first (literal segments beat parameters; then the order added).
        let bySpecificity: [Int]
        /// Not found, behind every middleware (a preflight to any path is answered by the CORS middleware).
        let unmatched: Handler
    }

    private var routes: [Route] = []
    private var middleware: [ScopedMiddleware] = []
    private var table: Table?
    private var lane: (path: String, lane: any FastLane)?

    public init() {}

    public func get(_ path: String, use handler: @escaping Handler) { add("GET", path, handler) }
    public func post(_ path: String, use handler: @escaping Handler) { add("POST", path, handler) }
    public func put(_ path: String, use handler: @escaping Handler) { add("PUT", path, handler) }
    public func patch(_ path: String, use handler: @escaping Handler) { add("PATCH", path, handler) }
    public func delete(_ path: String, use handler: @escaping Handler) { add("DELETE", path, handler) }

    public func add(_ method: String, _ path: String, _ handler: @escaping Handler) {
        let pattern = RoutePattern(path)
        precondition(
            !routes.contains { $0.method == method && $0.pattern == pattern }, "route \(method) \(path) added twice")
        routes.append(Route(method: method, pattern: pattern, handler: handler))
        table = nil
    }

    /// Adds middleware around every request; the first added is the outermost.
    public func use(_ middleware: @escaping Middleware) {
        self.middleware.append(ScopedMiddleware(pathPrefixes: nil, run: middleware))
        table = nil
    }

    /// Adds middleware around requests whose path starts with one of `pathPrefixes` (decided once per route
    /// pattern, and per request only for paths no route matches).
    public func use(pathPrefixes: [String], _ middleware: @escaping Middleware) {
        self.middleware.append(ScopedMiddleware(pathPrefixes: pathPrefixes, run: middleware))
        table = nil
    }

    /// Lets `lane` answer requests to the literal route `path` before they are routed (see ``FastLane``); one lane
    /// per router. Its answers pass no middleware: a lane repeats what the middleware added to an answer it
    /// learned, so it suits only routes whose middleware does nothing else.
    public func setFastLane(_ lane: any FastLane, for path: String) {
        precondition(RoutePattern(path).isLiteral, "a fast lane serves a literal path")
        self.lane = (path, lane)
    }

    /// The fast lane, its path, and the number of its route (as ``respondWithRoute(to:context:)`` counts it), once
    /// a route of that path exists.
    public var fastLane: (lane: any FastLane, path: String, routeNumber: Int)? {
        guard let lane else { return nil }
        let table = self.table ?? compile()
        guard let index = table.literal[lane.path] else { return nil }
        return (lane.lane, lane.path, table.endpoints[index].number)
    }

    /// Every distinct route pattern, in the order added: the label set of per-route metrics.
    public var patterns: [String] {
        var seen: Set<String> = []
        return routes.map(\.pattern.text).filter { seen.insert($0).inserted }
    }

    /// Every route as `(method, pattern)`, in the order added (`gatehouse routes`, the OpenAPI sync test).
    public var routeTable: [(method: String, pattern: String)] {
        routes.map { ($0.method, $0.pattern.text) }
    }

    /// Routes and answers one request; never throws: errors become problem+json.
    public func respond(to request: Request, context: RequestContext) -> Response {
        respondWithRoute(to: request, context: context).response
    }

    /// Answers, and names the route pattern that matched (empty when none did) and its place in ``patterns``
    /// counted from 1 (0 when none did), for logs and metrics.
    public func respondWithRoute(
        to request: Request, context: RequestContext
    ) -> (response: Response, route: String, routeNumber: Int) {
        let table = self.table ?? compile()
        var request = request
        var number = 0
        do {
            let handler: Handler
            if let (index, parameters) = try Self.match(request.path, in: table) {
                let endpoint = table.endpoints[index]
                request.route = endpoint.pattern.text
                request.parameters = parameters
                number = endpoint.number
                handler = endpoint.handler
            } else {
                handler = table.unmatched
            }
            var response = try handler(request, context)
            if request.method == "HEAD" { response.body = [] }
            return (response, request.route, number)
        } catch {
            return (Problem.response(for: error, logger: context.logger), request.route, number)
        }
    }

    /// The endpoint for `path` and its parameters, nil when none matches.
    static func match(_ path: String, in table: Table) throws(HTTPError) -> (Int, Parameters)? {
        if isCanonical(path), let index = table.literal[path] { return (index, Parameters()) }
        let segments = try split(path)
        for index in table.bySpecificity {
            if let parameters = table.endpoints[index].pattern.match(segments) { return (index, parameters) }
        }
        return nil
    }

    /// Whether `path` is spelled as a literal pattern is: `/` then segments without `%`, empty ones or a
    /// trailing `/`, so it names a literal route exactly when it equals that route's pattern.
    static func isCanonical(_ path: String) -> Bool {
        var previous = UInt8(0)
        for byte in path.utf8 {
            if byte == UInt8(ascii: "%") || (byte == UInt8(ascii: "/") && previous == UInt8(ascii: "/")) { return false }
            previous = byte
        }
        return path.utf8.first == UInt8(ascii: "/") && (previous != UInt8(ascii: "/") || path.utf8.count == 1)
    }

    private func compile() -> Table {
        var endpoints: [Endpoint] = []
        var literal: [String: Int] = [:]
        for text in patterns {
            let group = routes.filter { $0.pattern.text == text }
            let pattern = group[0].pattern
            let applicable = middleware.filter { $0.applies(to: text) }.map(\.run)
            if pattern.isLiteral { literal["/" + pattern.literals.joined(separator: "/")] = endpoints.count }
            endpoints.append(
                Endpoint(
                    pattern: pattern, number: endpoints.count + 1,
                    handler: Self.wrap(Self.dispatcher(for: group), in: applicable)))
        }
        let bySpecificity = endpoints.indices.sorted {
            let (a, b) = (endpoints[$0].pattern.specificity, endpoints[$1].pattern.specificity)
            return a == b ? $0 < $1 : a.lexicographicallyPrecedes(b)
        }
        // Scoped middleware around an unmatched path decides by the path itself.
        let everywhere = middleware.map { scoped -> Middleware in
            guard scoped.pathPrefixes != nil else { return scoped.run }
            return { request, context, next in
                try scoped.applies(to: request.path) ? scoped.run(request, context, next) : next(request, context)
            }
        }
        let unmatched = Self.wrap({ _, _ in throw HTTPError.notFound() }, in: everywhere)
        let table = Table(endpoints: endpoints, literal: literal, bySpecificity: bySpecificity, unmatched: unmatched)
        self.table = table
        return table
    }

    /// Picks the route of `group` (one pattern) by method; HEAD is served by GET; anything else is 405 + Allow.
    private static func dispatcher(for group: [Route]) -> Handler {
        var allowed = group.map(\.method)
        if allowed.contains("GET") { allowed.append("HEAD") }
        let allow = allowed.joined(separator: ", ")
        return { request, context in
            let method = request.method == "HEAD" ? "GET" : request.method
            guard let route = group.first(where: { $0.method == method }) else {
                throw HTTPError(
                    .methodNotAllowed, code: "method_not_allowed", detail: "\(request.method) is not allowed here.",
                    headers: Headers([("Allow", allow)]))
            }
            return try route.handler(request, context)
        }
    }

    /// `handler` inside `middleware`, the first of which is the outermost.
    private static func wrap(_ handler: @escaping Handler, in middleware: [Middleware]) -> Handler {
        middleware.reversed().reduce(handler) { next, middleware in
            { request, context in try middleware(request, context, next) }
        }
    }

    /// Splits a path into percent-decoded segments; `//` and a trailing `/` collapse.
    static func split(_ path: String) throws(HTTPError) -> [String] {
        var segments: [String] = []
        for piece in path.split(separator: "/") {
            guard let decoded = PercentDecoding.decode(piece, plusAsSpace: false) else {
                throw HTTPError(.badRequest, code: "invalid_request", detail: "The path is not valid percent-encoded UTF-8.")
            }
            segments.append(decoded)
        }
        return segments
    }
}

// Built while wiring and used by one single-threaded worker process.
@available(*, unavailable)
extension Router: Sendable {}
