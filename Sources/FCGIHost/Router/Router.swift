/// Routes requests by method and path pattern to synchronous handlers.
///
/// ```swift
/// let router = Router()
/// router.get("/users/{id}") { request, context in try .json(users.find(request.parameters.require("id"))) }
/// let response = router.respond(to: request, context: context)
/// ```
public final class Router {
    public typealias Handler = (Request, RequestContext) throws -> Response
    /// Wraps every routed request; call `next` to go on.
    public typealias Middleware = (Request, RequestContext, _ next: Handler) throws -> Response

    struct Route {
        let method: String
        let pattern: RoutePattern
        let handler: Handler
    }

    private var routes: [Route] = []
    private var middleware: [Middleware] = []

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
    }

    /// Adds middleware; the first added is the outermost.
    public func use(_ middleware: @escaping Middleware) {
        self.middleware.append(middleware)
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

    /// Answers, and names the route pattern that matched (empty when none did) for logs and metrics.
    public func respondWithRoute(to request: Request, context: RequestContext) -> (response: Response, route: String) {
        var request = request
        do {
            let segments = try Self.split(request.path)
            let candidates = routes.compactMap { route in route.pattern.match(segments).map { (route, $0) } }
                .sorted { $0.0.pattern.specificity.lexicographicallyPrecedes($1.0.pattern.specificity) }
            request.route = candidates.first?.0.pattern.text ?? ""
            let inner: Handler = { request, context in try self.dispatch(request, candidates: candidates, context: context) }
            let chain = middleware.reversed().reduce(inner) { next, middleware in
                { request, context in try middleware(request, context, next) }
            }
            var response = try chain(request, context)
            if request.method == "HEAD" { response.body = [] }
            return (response, request.route)
        } catch {
            return (Problem.response(for: error, logger: context.logger), request.route)
        }
    }

    private func dispatch(
        _ request: Request, candidates: [(Route, Parameters)], context: RequestContext
    ) throws -> Response {
        guard let best = candidates.first else { throw HTTPError.notFound() }
        // Only routes of the most specific pattern count, so /users/me does not inherit /users/{id}'s methods.
        let samePattern = candidates.filter { $0.0.pattern == best.0.pattern }
        let method = request.method == "HEAD" ? "GET" : request.method
        guard let (route, parameters) = samePattern.first(where: { $0.0.method == method }) else {
            var allowed = samePattern.map(\.0.method)
            if allowed.contains("GET") { allowed.append("HEAD") }
            throw HTTPError(
                .methodNotAllowed, code: "method_not_allowed",
                detail: "\(request.method) is not allowed here.",
                headers: Headers([("Allow", allowed.joined(separator: ", "))]))
        }
        var routed = request
        routed.parameters = parameters
        routed.route = route.pattern.text
        return try route.handler(routed, context)
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
