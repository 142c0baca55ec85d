import Testing
@testable import AuthHandlers

@Suite("Recovery codes")
struct RecoveryCodeTests {
    @Test("a set is ten distinct codes xxxxx-xxxxx in the 32-letter alphabet")
    func format() {
        #expect(RecoveryCode.alphabet.count == 32 && Set(RecoveryCode.alphabet).count == 32)
        for letter in "ilou" { #expect(!RecoveryCode.alphabet.contains(letter.asciiValue!)) }
        let codes = RecoveryCode.generateSet()
        #expect(codes.count == 10 && Set(codes).count == 10)
        for code in codes {
            let bytes = Array(code.utf8)
            #expect(bytes.count == 11 && bytes[5] == UInt8(ascii: "-"))
            #expect(bytes.enumerated().allSatisfy { $0.offset == 5 || RecoveryCode.alphabet.contains($0.element) })
        }
    }

    @Test("codes are read back whatever the case, spaces and hyphens; anything else is not a code")
    func normalize() {
        #expect(RecoveryCode.normalize("ab3de-fg7hk") == "ab3defg7hk")
        #expect(RecoveryCode.normalize("AB3DE FG7HK") == "ab3defg7hk")
        #expect(RecoveryCode.normalize("ab3defg7hk") == "ab3defg7hk")
        #expect(RecoveryCode.normalize("ab3de-fg7h") == nil)
        #expect(RecoveryCode.normalize("ab3de-fg7hkk") == nil)
        #expect(RecoveryCode.normalize("ab3de-fg7hi") == nil, "i is not in the alphabet")
        #expect(RecoveryCode.normalize("ab3de-fg7h\u{e9}") == nil)
        #expect(RecoveryCode.normalize(String(repeating: "-", count: 100) + "ab3defg7hk") == nil)
    }

    @Test("the letters of many codes are spread over the whole alphabet")
    func spread() {
        var seen = Set<UInt8>()
        for _ in 0..<50 { for code in RecoveryCode.generateSet() { seen.formUnion(code.utf8) } }
        #expect(seen.subtracting([UInt8(ascii: "-")]) == Set(RecoveryCode.alphabet))
    }
}
