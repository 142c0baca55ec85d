import Testing
@testable import Crypto

@Suite("The strict JSON reader behind headers and claims")
struct JSONScannerTests {
    /// Reads every member of `json`, returning names whose values were skipped.
    func members(_ json: String) throws -> [UInt64?] {
        var scanner = try JSONScanner(utf8(json), failure: .invalidInput)
        var names: [UInt64?] = []
        while let key = try scanner.nextKey() {
            names.append(scanner.packedName(key))
            try scanner.skipValue()
        }
        return names
    }

    @Test("reads nested values, escapes, numbers and literals, and names escaped or not")
    func accepts() throws {
        let json =
            #" { "a" : [1, -2.5e3, 0, true, false, null, {"b": {"c": []}}], "#
            + #""\u0065xp": "\ud83d\ude00 \" \\ \/ \b\f\n\r\t", "z": {} } "#
        let names = try members(json)
        #expect(
            names == [PackedName.pack(ArraySlice(utf8("a"))), PackedName.exp, PackedName.pack(ArraySlice(utf8("z")))])
    }

    @Test("a name written with escapes is a duplicate of the same name written plainly")
    func escapedDuplicates() {
        #expect(throws: CryptoError.invalidInput) { try members(#"{"a":1,"\u0061":2}"#) }
        #expect(throws: CryptoError.invalidInput) { try members(#"{"exp":1,"iat":2,"exp":3}"#) }
    }

    @Test("duplicates are found in large objects too (past the linear search)")
    func manyMembers() throws {
        let unique = "{" + (0..<200).map { #""k\#($0)":\#($0)"# }.joined(separator: ",") + "}"
        #expect(try members(unique).count == 200)
        let duplicated = "{" + (0..<200).map { #""k\#($0)":\#($0)"# }.joined(separator: ",") + #","k17":0}"#
        #expect(throws: CryptoError.invalidInput) { try members(duplicated) }
    }

    @Test("nesting deeper than 32 levels is refused rather than recursed into")
    func depth() throws {
        let shallow = #"{"a":"# + String(repeating: "[", count: 30) + String(repeating: "]", count: 30) + "}"
        _ = try members(shallow)
        let deep = #"{"a":"# + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}"
        #expect(throws: CryptoError.invalidInput) { try members(deep) }
    }

    @Test(
        "refuses what RFC 8259 does not allow",
        arguments: [
            #"{"a":"\u12"}"#, #"{"a":"\ud800"}"#, #"{"a":"\udc00"}"#, #"{"a":"\ud800\u0041"}"#, #"{"a":01}"#,
            #"{"a":1.}"#,
            #"{"a":.5}"#, #"{"a":+1}"#, #"{"a":1e}"#, #"{"a":tru}"#, #"{"a":NaN}"#, #"{"a":[1,]}"#, #"{"a":[,1]}"#,
            #"{"a" 1}"#, #"{a:1}"#, #"{"a":1 "b":2}"#, "{\"a\":\"\t\"}", #"{"a":1}}"#, #"{"a":"x"#, "{",
        ])
    func refuses(json: String) {
        #expect(throws: CryptoError.invalidInput) { try members(json) }
    }

    @Test("refuses malformed UTF-8 inside strings: overlong, surrogate, truncated, above U+10FFFF")
    func badUTF8() {
        for bad: [UInt8] in [
            [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80], [0x80], [0xFF],
        ] {
            let json = utf8(#"{"a":""#) + bad + utf8(#""}"#)
            #expect(throws: CryptoError.invalidInput) {
                var scanner = try JSONScanner(json, failure: .invalidInput)
                while try scanner.nextKey() != nil { try scanner.skipValue() }
            }
        }
        let good = utf8(#"{"a":"é€😀"}"#)
        #expect(throws: Never.self) {
            var scanner = try JSONScanner(good, failure: .invalidInput)
            while try scanner.nextKey() != nil { try scanner.skipValue() }
        }
    }

    @Test("string values come back unescaped, numbers exactly")
    func values() throws {
        var scanner = try JSONScanner(
            utf8(#"{"s":"a\u00e9\n","n":1750000000,"f":-0.5,"m":12345678901234567890}"#), failure: .invalidInput)
        _ = try scanner.nextKey()
        #expect(try scanner.readString() == "aé\n")
        _ = try scanner.nextKey()
        #expect(try scanner.readNumber() == 1_750_000_000)
        _ = try scanner.nextKey()
        #expect(try scanner.readNumber() == -0.5)
        _ = try scanner.nextKey()
        #expect(try scanner.readNumber() == 1.2345678901234567e19)
        #expect(try scanner.nextKey() == nil)
    }
}
