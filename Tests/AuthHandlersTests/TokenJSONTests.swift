import Foundation
import Testing

@testable import AuthHandlers

/// Access token claims and the token response are written by hand (``JSONOutput``): each must be the text
/// `JSONEncoder` with sorted keys writes for the same value, in every shape (optional members absent or present,
/// strings that need escaping, empty and long lists).
@Suite struct TokenJSONTests {
    static func encoded(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    static let awkward = ["", "plain", "quote \" and \\ backslash", "a/b", "line\nbreak\t\u{1}", "é 😀", "\u{2028}"]

    static func claims(_ variant: Int) -> AccessClaims {
        let text = awkward[variant % awkward.count]
        let some = variant % 2 == 0
        var claims = AccessClaims(
            iss: "https://issuer.example/\(text)", aud: "gatehouse", sub: "u-\(variant)", sid: "s-\(text)",
            jti: "j\(variant)", iat: 1_796_000_000 + Int64(variant), nbf: 1_796_000_000, exp: -Int64(variant),
            email: "user\(variant)@example.com", name: text, roles: Array(awkward.prefix(variant % 4)),
            permissions: variant % 3 == 0 ? [] : awkward.map { "perm:\($0)" },
            ctx: some ? .init(zone: "z\(text)", department: "d", role: "r", primary: variant % 4 == 0) : nil,
            assignments: variant % 3 == 1 ? nil : (0..<(variant % 3)).map {
                .init(zone: "z\($0)", department: text, role: "role", primary: $0 == 0, active: $0 % 2 == 1)
            })
        if variant % 5 != 0 { claims.did = "device-\(text)" }
        if variant % 2 == 1 { claims.amr = variant % 3 == 0 ? [] : ["pwd", "otp"] }
        if variant % 7 == 3 {
            claims.tenant = "tenant-\(text)"
            claims.ext = "ext-\(text)"
        }
        return claims
    }

    @Test("claims in every shape", arguments: 0..<42)
    func claimsMatchJSONEncoder(variant: Int) throws {
        let claims = Self.claims(variant)
        #expect(claims.json == (try Self.encoded(claims)))
    }

    @Test("token responses with and without a refresh token", arguments: 0..<14)
    func tokenResponseMatchesJSONEncoder(variant: Int) throws {
        let text = Self.awkward[variant % Self.awkward.count]
        var response = TokenResponse(
            accessToken: "eyJ.\(text)", expiresIn: 900 + variant, refreshToken: "r\(text)", refreshExpiresIn: 86_400,
            user: .init(
                id: "id-\(text)", email: "e\(text)@example.com", name: text, roles: Array(Self.awkward.prefix(variant % 3)),
                permissions: variant % 2 == 0 ? [] : ["users:read", text]))
        if variant >= 7 { response.refreshToken = nil }
        #expect(response.json == (try Self.encoded(response)))
    }
}
