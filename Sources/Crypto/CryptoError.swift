/// The one error type of the Crypto module (STYLE.md rule 15).
public struct CryptoError: Error, Equatable, CustomStringConvertible {
    enum Kind: Equatable {
        case openssl
        case argon2
        case invalidInput
    }
    let kind: Kind
    let message: String

    /// An OpenSSL call failed; `errors` is OpenSSL's own error queue, oldest first.
    static func openssl(function: String, errors: [String]) -> Self {
        .init(kind: .openssl, message: "\(function): \(errors.joined(separator: "; "))")
    }

    public static func == (a: Self, b: Self) -> Bool { a.kind == b.kind }
    public var description: String { "CryptoError.\(kind): \(message)" }
}
