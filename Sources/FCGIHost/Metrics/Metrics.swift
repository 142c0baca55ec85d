/// Named counters and histograms over the scoreboard, and their Prometheus text rendering.
///
/// ```swift
/// metrics.increment("auth_login_failures_total")
/// metrics.observe("auth_token_validation_duration_seconds", seconds: 0.0002)
/// ```
public final class Metrics {
    public let layout: Scoreboard.Layout
    public let scoreboard: Scoreboard
    private let counterIndex: [String: Int]
    private let histogramIndex: [String: Int]
    /// "unmatched" first, then the router's patterns (so a route's number is its index here).
    private(set) var routes: [String] = ["unmatched"]

    public init(layout: Scoreboard.Layout, scoreboard: Scoreboard) {
        self.layout = layout
        self.scoreboard = scoreboard
        counterIndex = Dictionary(uniqueKeysWithValues: layout.counters.enumerated().map { ($1.name, $0) })
        histogramIndex = Dictionary(uniqueKeysWithValues: layout.histograms.enumerated().map { ($1.name, $0) })
    }

    /// Takes the router's patterns as the `route` labels; call once every route is added.
    public func countRoutes(of router: Router) {
        routes = ["unmatched"] + router.patterns
        precondition(routes.count <= Scoreboard.maxRoutes, "too many routes for the scoreboard")
    }

    /// A counter of the layout, looked up once so that counting on a hot path hashes no name.
    public struct Counter: Sendable {
        let index: Int
    }

    /// A histogram of the layout, looked up once.
    public struct Histogram: Sendable {
        let index: Int
    }

    public func counter(_ name: String) -> Counter {
        guard let index = counterIndex[name] else { preconditionFailure("counter \(name) is not in the layout") }
        return Counter(index: index)
    }

    public func histogram(_ name: String) -> Histogram {
        guard let index = histogramIndex[name] else { preconditionFailure("histogram \(name) is not in the layout") }
        return Histogram(index: index)
    }

    public func increment(_ name: String, by delta: UInt64 = 1) {
        increment(counter(name), by: delta)
    }

    public func increment(_ counter: Counter, by delta: UInt64 = 1) {
        scoreboard.increment(counter: counter.index, by: delta)
    }

    public func observe(_ name: String, seconds: Double) {
        observe(histogram(name), seconds: seconds)
    }

    public func observe(_ histogram: Histogram, seconds: Double) {
        scoreboard.observe(histogram: histogram.index, seconds: seconds)
    }

    /// Counts an answered request for the route numbered `routeNumber` by ``Router/respondWithRoute(to:context:)``
    /// (its place in the router's patterns from 1; 0 when nothing matched).
    public func recordRequest(routeNumber: Int, status: Int, seconds: Double) {
        scoreboard.recordRequest(route: routeNumber < routes.count ? routeNumber : 0, status: status, seconds: seconds)
    }

    /// The current value of a counter summed over every worker.
    public func total(_ name: String, in snapshot: ScoreboardSnapshot) -> UInt64 {
        counterIndex[name].map { snapshot.counters[$0] } ?? 0
    }

    /// The Prometheus text exposition (format 0.0.4) of everything, plus `extra` lines the caller computes.
    public func render(_ snapshot: ScoreboardSnapshot, extra: [String] = []) -> String {
        var lines: [String] = []
        for (index, counter) in layout.counters.enumerated() {
            lines.append("# HELP \(counter.name) \(counter.help)")
            lines.append("# TYPE \(counter.name) counter")
            lines.append("\(counter.name) \(snapshot.counters[index])")
        }
        lines.append("# HELP http_requests_total Requests answered, by route pattern and status.")
        lines.append("# TYPE http_requests_total counter")
        for (routeIndex, route) in routes.enumerated() {
            for (statusIndex, count) in snapshot.routeStatus[routeIndex].enumerated() where count > 0 {
                let status = statusIndex < Scoreboard.statuses.count ? String(Scoreboard.statuses[statusIndex]) : "other"
                lines.append("http_requests_total{route=\"\(Self.escape(route))\",status=\"\(status)\"} \(count)")
            }
        }
        for (index, histogram) in layout.histograms.enumerated() {
            let values = snapshot.histograms[index]
            lines.append("# HELP \(histogram.name) \(histogram.help)")
            lines.append("# TYPE \(histogram.name) histogram")
            var cumulative: UInt64 = 0
            for (bucket, bound) in Scoreboard.buckets.enumerated() {
                cumulative += values[bucket]
                lines.append("\(histogram.name)_bucket{le=\"\(Self.format(bound))\"} \(cumulative)")
            }
            let count = values[Scoreboard.buckets.count]
            lines.append("\(histogram.name)_bucket{le=\"+Inf\"} \(count)")
            lines.append("\(histogram.name)_sum \(Self.format(Double(values[Scoreboard.buckets.count + 1]) / 1e9))")
            lines.append("\(histogram.name)_count \(count)")
        }
        lines.append(contentsOf: extra)
        return lines.joined(separator: "\n") + "\n"
    }

    static func escape(_ label: String) -> String {
        label.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"")
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

@available(*, unavailable)
extension Metrics: Sendable {}
