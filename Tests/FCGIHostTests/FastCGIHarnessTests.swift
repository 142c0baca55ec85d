import Foundation
import Glibc
import Testing

/// The worker through its FastCGI socket, no nginx (DESIGN.md testing layer 2).
@Suite(.serialized) struct FastCGIHarnessTests {
    @Test("health answers JSON through the record protocol")
    func health() throws {
        try withServer { server in
            let response = try FastCGI.request(socket: server.socket, uri: "/health")
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "application/json; charset=utf-8")
            #expect(response.json?["status"] as? String == "ok")
        }
    }

    @Test("unknown routes are 404 and wrong methods 405 with Allow, as problem+json")
    func routing() throws {
        try withServer { server in
            let missing = try FastCGI.request(socket: server.socket, uri: "/no/such/route")
            #expect(missing.status == 404)
            #expect(missing.headers["content-type"] == "application/problem+json")
            #expect(missing.json?["code"] as? String == "not_found")
            let wrong = try FastCGI.request(socket: server.socket, method: "DELETE", uri: "/health")
            #expect(wrong.status == 405)
            #expect(wrong.headers["allow"] == "GET, HEAD")
        }
    }

    @Test("query parameters are decoded, and a malformed one is a 400")
    func queryParameters() throws {
        try withServer { server in
            #expect(try FastCGI.request(socket: server.socket, uri: "/health?verbose=yes%20please").status == 200)
            let bad = try FastCGI.request(socket: server.socket, uri: "/health?x=%ZZ")
            #expect(bad.status == 400)
            #expect(bad.json?["code"] as? String == "invalid_request")
        }
    }

    @Test("a large body within the limit is read whole, in one record or many small ones")
    func largeBodies() throws {
        try withServer(settings: ["MAX_BODY_BYTES": "65536"]) { server in
            let body = [UInt8](repeating: UInt8(ascii: "x"), count: 65536)
            for chunk in [65535, 1000, 7] {
                let response = try FastCGI.request(
                    socket: server.socket, method: "POST", uri: "/health", body: body, chunkSize: chunk)
                // The route has no POST: a 405 means the whole body was consumed and the request routed.
                #expect(response.status == 405)
            }
        }
    }

    @Test("a chunked body (no Content-Length) over the limit is refused with 413")
    func chunkedOverLimit() throws {
        try withServer(settings: ["MAX_BODY_BYTES": "4096"]) { server in
            let small = try FastCGI.request(
                socket: server.socket, method: "POST", uri: "/health", body: [UInt8](repeating: 1, count: 4096),
                declareLength: false, chunkSize: 1000)
            #expect(small.status == 405)
            let large = try FastCGI.request(
                socket: server.socket, method: "POST", uri: "/health", body: [UInt8](repeating: 1, count: 5000),
                declareLength: false, chunkSize: 1000)
            #expect(large.status == 413)
            #expect(large.json?["code"] as? String == "payload_too_large")
        }
    }

    @Test("a declared body over the limit gets 413 before any of it is sent")
    func declaredOverLimit() throws {
        try withServer(settings: ["MAX_BODY_BYTES": "4096"]) { server in
            let connection = try FastCGI.Connection(path: server.socket)
            // Announce 100 MB and send no body at all: the answer must come without waiting for it.
            try connection.send(
                FastCGI.beginRequest()
                    + FastCGI.params([("REQUEST_METHOD", "POST"), ("REQUEST_URI", "/health"), ("CONTENT_LENGTH", "100000000")]))
            let response = try FastCGI.parse(connection.readToEnd())
            #expect(response.status == 413)
        }
    }

    @Test("a malformed record stream and a client that vanishes mid-request do not hurt the worker")
    func hostileClients() throws {
        try withServer { server in
            let before = server.workerPIDs
            #expect(before.count == 2)
            for _ in 0..<4 {
                let garbage = try FastCGI.Connection(path: server.socket)
                try garbage.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8) + [UInt8](repeating: 0xff, count: 64))
                _ = try? garbage.readToEnd()
            }
            for _ in 0..<4 {
                let vanishing = try FastCGI.Connection(path: server.socket)
                try vanishing.send(
                    FastCGI.beginRequest()
                        + FastCGI.params([("REQUEST_METHOD", "POST"), ("REQUEST_URI", "/health"), ("CONTENT_LENGTH", "1000")])
                        + FastCGI.record(.stdin, Array(repeating: 65, count: 10)))
                // Closed with 990 body bytes still owed.
            }
            usleep(200_000)
            for _ in 0..<6 {
                #expect(try FastCGI.request(socket: server.socket, uri: "/health").status == 200)
            }
            #expect(server.workerPIDs == before)
            #expect(!server.log.contains("Worker killed"))
        }
    }

    @Test("metrics are summed over every worker")
    func metricsAcrossWorkers() throws {
        try withServer { server in
            for _ in 0..<20 { _ = try FastCGI.request(socket: server.socket, uri: "/health") }
            let text = try FastCGI.request(socket: server.socket, uri: "/metrics").text
            let line = text.split(separator: "\n").first { $0.hasPrefix("http_requests_total{route=\"/health\",status=\"200\"}") }
            // 20 here plus the start-up probe(s); whichever worker answered, it saw them all.
            let count = Int(line?.split(separator: " ").last ?? "") ?? 0
            #expect(count >= 20)
            #expect(text.contains("http_request_duration_seconds_bucket{le=\"+Inf\"}"))
            #expect(text.contains("gatehouse_workers 2"))
            let denied = try FastCGI.request(socket: server.socket, uri: "/metrics", remoteAddress: "203.0.113.5")
            #expect(denied.status == 403)
        }
    }

    @Test("SIGTERM ends idle workers at once and the supervisor exits 0")
    func gracefulStop() throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let started = Date()
        kill(server.process.processIdentifier, SIGTERM)
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0)
        #expect(Date().timeIntervalSince(started) < 3)
        #expect(server.log.contains("msg=Stopped"))
    }

    @Test("SIGTERM with a request in flight: it completes, then every process exits")
    func inFlightCompletes() throws {
        let server = try ServerProcess(settings: ["WORKERS": "1"])
        defer { server.stop() }
        let connection = try FastCGI.Connection(path: server.socket)
        // Half a body: the worker is now busy reading this request.
        try connection.send(
            FastCGI.beginRequest()
                + FastCGI.params([("REQUEST_METHOD", "POST"), ("REQUEST_URI", "/health"), ("CONTENT_LENGTH", "20")])
                + FastCGI.record(.stdin, Array(repeating: 65, count: 10)))
        usleep(200_000)
        kill(server.process.processIdentifier, SIGTERM)
        usleep(500_000)
        #expect(server.process.isRunning)
        try connection.send(FastCGI.record(.stdin, Array(repeating: 66, count: 10)) + FastCGI.record(.stdin, []))
        let response = try FastCGI.parse(connection.readToEnd())
        #expect(response.status == 405)
        let answered = Date()
        server.process.waitUntilExit()
        #expect(Date().timeIntervalSince(answered) < 1.5)
        #expect(server.process.terminationStatus == 0)
        // The start-up probe and this request.
        #expect(server.log.contains("worker.served=2"))
    }

    @Test("MAX_REQUESTS replaces a worker after that many requests, and by default a worker is never replaced")
    func recycling() throws {
        try withServer(settings: ["WORKERS": "1", "MAX_REQUESTS": "5"]) { server in
            let first = server.workerPIDs
            for _ in 0..<12 {
                let response = try FastCGI.request(socket: server.socket, uri: "/health")
                #expect(response.status == 200)
            }
            usleep(200_000)
            #expect(server.log.contains("Worker recycled"))
            #expect(server.workerPIDs.count == 1)
            #expect(server.workerPIDs != first)
            #expect(!server.log.contains("Worker killed") && !server.log.contains("Worker failed"))
        }
        try withServer(settings: ["WORKERS": "1"]) { server in
            let first = server.workerPIDs
            for _ in 0..<40 {
                let response = try FastCGI.request(socket: server.socket, uri: "/health")
                #expect(response.status == 200)
            }
            #expect(server.workerPIDs == first)
            #expect(!server.log.contains("Worker recycled"))
        }
    }
}
