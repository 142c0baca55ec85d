internal import Glibc

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A synchronous worker: waits for a connection or a signal, accepts one FastCGI request, answers it, repeats.
/// SIGTERM, SIGINT and SIGQUIT are blocked and read through a signalfd, so a signal never interrupts a request:
/// an idle worker exits at once, a busy one after answering (DESIGN.md, Process model).
public struct WorkerLoop {
    public struct Settings: Sendable {
        public var maxRequests: Int
        public var maxBodyBytes: Int
        public init(maxRequests: Int, maxBodyBytes: Int) {
            self.maxRequests = maxRequests
            self.maxBodyBytes = maxBodyBytes
        }
    }

    let settings: Settings
    let router: Router
    let metrics: Metrics?
    let logger: Logger

    public init(settings: Settings, router: Router, metrics: Metrics?, logger: Logger) {
        self.settings = settings
        self.router = router
        self.metrics = metrics
        self.logger = logger
    }

    /// Serves on `listenDescriptor` (fd 0 by FastCGI convention) until told to stop or recycled.
    public func run(listenDescriptor: Int32 = 0) throws(WorkerError) {
        try FCGIRequest.initializeLibrary()
        ChildProcess.keepFreedHeap()
        Signals.setParentDeathSignal(SIGTERM)
        let stopSignals = [SIGTERM, SIGINT, SIGQUIT, SIGHUP]
        Signals.block(stopSignals)
        let signals = try SignalDescriptor(signals: stopSignals)
        try setNonBlocking(listenDescriptor)
        let poll = try EventPoll()
        try poll.add(listenDescriptor, exclusive: true)
        try poll.add(signals.descriptor, exclusive: false)
        let request = try FCGIRequest(listenDescriptor: listenDescriptor)
        metrics?.scoreboard.setState(.idle)
        logger.info("Worker started", metadata: ["worker.pid": "\(ChildProcess.currentPID)"])

        var served = 0
        var output: [UInt8] = []
        var raw = RawParameters()
        let lane = router.fastLane
        // Right after a request the next connection is often already queued (under load, always): it is
        // accepted without asking epoll first, one system call fewer per request. Signals are still looked at
        // through epoll at least every `signalLatency`, so a stop is seen within that even under full load.
        var acceptFirst = false
        var lastLook = ContinuousClock.now
        while true {
            var accepted = false
            if acceptFirst, lastLook.duration(to: .now) < Self.signalLatency {
                accepted = try request.accept()
            }
            if !accepted {
                acceptFirst = false
                let ready = try poll.wait()
                lastLook = .now
                if ready.contains(signals.descriptor) {
                    let received = signals.drain()
                    if received.contains(where: { $0 != SIGHUP }) {
                        logger.info("Worker stopping", metadata: ["worker.served": "\(served)"])
                        return
                    }
                }
                guard ready.contains(listenDescriptor), try request.accept() else { continue }
            }
            metrics?.scoreboard.setState(.busy)
            serve(request, lane: lane, raw: &raw, output: &output)
            request.finish()
            metrics?.scoreboard.setState(.idle)
            served += 1
            acceptFirst = true
            if settings.maxRequests > 0, served >= settings.maxRequests {
                logger.info("Worker recycled", metadata: ["worker.served": "\(served)"])
                return
            }
        }
    }

    /// How long a busy worker may go without looking at its signals.
    static let signalLatency = Duration.milliseconds(10)

    private func serve(
        _ connection: FCGIRequest, lane: (lane: any FastLane, path: String, routeNumber: Int)?, raw: inout RawParameters,
        output: inout [UInt8]
    ) {
        let started = ContinuousClock.now
        connection.copyParameters(into: &raw)
        var body: [UInt8] = []
        var bodyError: HTTPError?
        do {
            let declared = try FastCGIParameters.contentLength(
                raw.cgi("CONTENT_LENGTH").map { String(decoding: $0, as: UTF8.self) })
            body = try readBody(connection, declaredLength: declared)
        } catch {
            bodyError = error
        }
        // A body-less request to the fast lane's path: the lane answers it if it can, and otherwise sees what the
        // ordinary way answered.
        var laneCandidate: (lane: any FastLane, path: String, routeNumber: Int)?
        if let lane, bodyError == nil, body.isEmpty, RawParameters.value(raw.cgi("REQUEST_URI"), is: lane.path) {
            output.removeAll(keepingCapacity: true)
            if let status = lane.lane.answer(raw, receivedAt: Date(), into: &output) {
                let delivered = connection.write(output)
                finish(
                    started: started, routeNumber: lane.routeNumber, status: status, delivered: delivered,
                    method: raw.cgi("REQUEST_METHOD").map { String(decoding: $0, as: UTF8.self) } ?? "GET",
                    path: lane.path, context: nil)
                return
            }
            laneCandidate = lane
        }
        let context = RequestContext(logger: logger)
        let parameters = FastCGIParameters(raw)
        var routeNumber = 0
        var response: Response
        var request: Request?
        do {
            if let bodyError { throw bodyError }
            let parsed = try parameters.request(body: body)
            request = parsed
            (response, _, routeNumber) = router.respondWithRoute(to: parsed, context: context)
        } catch {
            response = Problem.response(for: error, logger: context.logger)
        }
        response.serialize(into: &output)
        let delivered = connection.write(output)
        laneCandidate?.lane.learn(raw, status: response.status, response: output)
        if output.capacity > 65536 { output = [] }  // a large answer does not pin its buffer for good
        if let method = request?.method, method != "GET", method != "HEAD", method != "OPTIONS" {
            metrics?.scoreboard.bumpWriteGeneration()
        }
        finish(
            started: started, routeNumber: routeNumber, status: response.status, delivered: delivered,
            method: request?.method ?? parameters["REQUEST_METHOD"] ?? "", path: request?.path ?? "", context: context)
    }

    /// Counts the answered request and writes its access-log line.
    private func finish(
        started: ContinuousClock.Instant, routeNumber: Int, status: Int, delivered: Bool, method: @autoclosure () -> String,
        path: String, context: RequestContext?
    ) {
        let elapsed = started.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        metrics?.recordRequest(routeNumber: routeNumber, status: status, seconds: seconds)
        guard logger.logLevel <= .info else { return }
        var fields: Logger.Metadata = [
            "http.method": method(), "http.path": path, "http.status": "\(status)",
            "duration_ms": String(format3(seconds * 1000)), "worker.slot": metrics?.scoreboard.slot.map(String.init) ?? "-",
        ]
        if !delivered { fields["http.client_gone"] = "true" }
        (context ?? RequestContext(logger: logger)).logger.info("Request", metadata: fields)
    }

    /// Reads the body under the limit: a declared length over it is refused before any byte is read (nginx's
    /// own `client_max_body_size`, set to the same limit, normally refuses such bodies first).
    private func readBody(_ connection: FCGIRequest, declaredLength: Int?) throws(HTTPError) -> [UInt8] {
        let limit = settings.maxBodyBytes
        let tooLarge = HTTPError(
            .payloadTooLarge, code: "payload_too_large", detail: "The request body is larger than \(limit) bytes.")
        if let declared = declaredLength {
            guard declared <= limit else { throw tooLarge }
            return connection.read(upTo: declared)
        }
        let body = connection.read(upTo: limit + 1)
        guard body.count <= limit else { throw tooLarge }
        return body
    }
}

func format3(_ value: Double) -> String {
    let scaled = (value * 1000).rounded() / 1000
    return String(scaled)
}
