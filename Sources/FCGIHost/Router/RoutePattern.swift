/// A path pattern such as `/users/{id}/assignments/{aid}`.
struct RoutePattern: Sendable, Equatable {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    let text: String
    let segments: [Segment]

    init(_ text: String) {
        precondition(text.hasPrefix("/"), "route patterns start with /: \(text)")
        self.text = text
        segments = text.split(separator: "/").map { piece in
            if piece.hasPrefix("{"), piece.hasSuffix("}") {
                return .parameter(String(piece.dropFirst().dropLast()))
            }
            return .literal(String(piece))
        }
    }

    /// The parameters if `path` (already split and decoded) matches.
    func match(_ path: [String]) -> Parameters? {
        guard path.count == segments.count else { return nil }
        var parameters = Parameters()
        for (segment, piece) in zip(segments, path) {
            switch segment {
            case .literal(let literal): guard literal == piece else { return nil }
            case .parameter(let name):
                guard !piece.isEmpty else { return nil }
                parameters.set(name, piece)
            }
        }
        return parameters
    }

    /// Whether the pattern has no parameters (`/auth/verify`).
    var isLiteral: Bool { literals.count == segments.count }

    /// The literal segments, in order.
    var literals: [String] {
        segments.compactMap { if case .literal(let text) = $0 { text } else { nil } }
    }

    /// Literal segments win over parameters, so `/users/me` beats `/users/{id}`.
    var specificity: [Int] { segments.map { if case .literal = $0 { 0 } else { 1 } } }
}
