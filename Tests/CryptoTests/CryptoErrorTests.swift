import Testing
@testable import Crypto

@Suite struct CryptoErrorTests {
    @Test("errors compare equal on their kind only")
    func equalOnKind() {
        #expect(CryptoError.openssl(function: "a", errors: ["x"]) == CryptoError.openssl(function: "b", errors: []))
    }
}
