#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Answers some requests to one route straight from their raw parameters, before a ``Request`` is built and
/// without the middleware, where it can tell the answer is the one the ordinary way would give (`/auth/verify`
/// with a token the ordinary way has answered before). Whatever it declines goes the ordinary way, and is then
/// shown to ``learn(_:status:response:)``.
public protocol FastLane {
    /// Appends the whole CGI response (head and body) for `parameters` to `out` and returns its status, or
    /// returns nil, leaving `out` alone, to let the ordinary way answer. Called only for body-less requests whose
    /// `REQUEST_URI` is exactly the lane's path. A lane answers only requests that change nothing (the worker
    /// bumps no write generation after its answers).
    func answer(_ parameters: RawParameters, receivedAt: Date, into out: inout [UInt8]) -> Int?

    /// What the ordinary way answered to a body-less request this lane declined: `response` is the whole CGI
    /// response written.
    func learn(_ parameters: RawParameters, status: Int, response: [UInt8])
}
