import Foundation
import Glibc

/// A small FastCGI client (the record protocol of the FastCGI 1.0 specification) that talks to a worker's
/// socket the way nginx does, so handler behaviour is tested without nginx.
enum FastCGI {
    enum RecordType: UInt8 {
        case beginRequest = 1, abortRequest = 2, endRequest = 3, params = 4, stdin = 5, stdout = 6, stderr = 7
    }

    struct Response {
        let status: Int
        let headers: [String: String]
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] }
    }

    struct ClientError: Error, CustomStringConvertible {
        let description: String
    }

    static func record(_ type: RecordType, id: UInt16 = 1, _ content: [UInt8]) -> [UInt8] {
        precondition(content.count <= 65535)
        let padding = (8 - content.count % 8) % 8
        return [1, type.rawValue, UInt8(id >> 8), UInt8(id & 0xff), UInt8(content.count >> 8), UInt8(content.count & 0xff),
                UInt8(padding), 0] + content + [UInt8](repeating: 0, count: padding)
    }

    static func beginRequest(id: UInt16 = 1) -> [UInt8] {
        record(.beginRequest, id: id, [0, 1, 0, 0, 0, 0, 0, 0])  // role RESPONDER, flags 0 (close after)
    }

    /// Name-value pairs with 1- or 4-byte lengths, split into records, then the empty PARAMS record.
    static func params(_ pairs: [(String, String)], id: UInt16 = 1) -> [UInt8] {
        func length(_ count: Int) -> [UInt8] {
            count < 128 ? [UInt8(count)] : [UInt8(count >> 24 | 0x80), UInt8(count >> 16 & 0xff), UInt8(count >> 8 & 0xff), UInt8(count & 0xff)]
        }
        var encoded: [UInt8] = []
        for (name, value) in pairs {
            encoded += length(name.utf8.count) + length(value.utf8.count) + Array(name.utf8) + Array(value.utf8)
        }
        return chunked(.params, encoded, size: 65535, id: id) + record(.params, id: id, [])
    }

    /// The body as STDIN records of at most `size` bytes, then the empty STDIN record.
    static func stdin(_ body: [UInt8], size: Int = 65535, id: UInt16 = 1) -> [UInt8] {
        chunked(.stdin, body, size: size, id: id) + record(.stdin, id: id, [])
    }

    static func chunked(_ type: RecordType, _ bytes: [UInt8], size: Int, id: UInt16) -> [UInt8] {
        stride(from: 0, to: bytes.count, by: size).flatMap { record(type, id: id, Array(bytes[$0..<min($0 + size, bytes.count)])) }
    }

    /// Sends one whole request and reads the response.
    static func request(
        socket path: String, method: String = "GET", uri: String, headers: [(String, String)] = [],
        body: [UInt8] = [], declareLength: Bool = true, chunkSize: Int = 65535, remoteAddress: String = "127.0.0.1"
    ) throws -> Response {
        var pairs = [("REQUEST_METHOD", method), ("REQUEST_URI", uri), ("REMOTE_ADDR", remoteAddress)] + headers
        if declareLength, !body.isEmpty { pairs.append(("CONTENT_LENGTH", "\(body.count)")) }
        let connection = try Connection(path: path)
        try connection.send(beginRequest() + params(pairs) + stdin(body, size: chunkSize))
        return try parse(connection.readToEnd())
    }

    /// Splits a record stream into STDOUT bytes and parses the CGI-style head.
    static func parse(_ stream: [UInt8]) throws -> Response {
        var offset = 0
        var stdout: [UInt8] = []
        var ended = false
        while offset + 8 <= stream.count {
            let type = stream[offset + 1]
            let length = Int(stream[offset + 4]) << 8 | Int(stream[offset + 5])
            let padding = Int(stream[offset + 6])
            let content = Array(stream[(offset + 8)..<min(stream.count, offset + 8 + length)])
            if type == RecordType.stdout.rawValue { stdout += content }
            if type == RecordType.endRequest.rawValue { ended = true }
            offset += 8 + length + padding
        }
        guard ended else { throw ClientError(description: "no END_REQUEST record (\(stream.count) bytes)") }
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let split = stdout.indices.first(where: { stdout[$0...].starts(with: separator) }) else {
            throw ClientError(description: "no header/body separator")
        }
        var headers: [String: String] = [:]
        for line in String(decoding: stdout[..<split], as: UTF8.self).split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            headers[parts[0].lowercased()] = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        }
        let status = Int(headers["status"]?.prefix(3) ?? "200") ?? 0
        return Response(status: status, headers: headers, body: Array(stdout[(split + 4)...]))
    }

    /// A unix-socket connection to the worker.
    final class Connection {
        let fd: Int32

        init(path: String) throws {
            fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard rc == 0 else {
                close(fd)
                throw ClientError(description: "connect \(path): errno \(errno)")
            }
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit { close(fd) }

        func send(_ bytes: [UInt8]) throws {
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
                guard written > 0 else { throw ClientError(description: "send: errno \(errno)") }
                offset += written
            }
        }

        /// Reads until the server closes the connection (or the 10 s timeout).
        func readToEnd() throws -> [UInt8] {
            var result: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count == 0 { return result }
                guard count > 0 else { throw ClientError(description: "recv: errno \(errno) after \(result.count) bytes") }
                result += buffer[..<count]
            }
        }
    }
}
