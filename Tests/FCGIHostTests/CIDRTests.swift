import Testing
import FCGIHost

@Suite struct CIDRTests {
    @Test(
        "addresses parse in their usual forms",
        arguments: [
            ("192.0.2.1", "192.0.2.1"), ("::1", "0:0:0:0:0:0:0:1"), ("2001:db8::8a2e:370:7334", "2001:db8:0:0:0:8a2e:370:7334"),
            ("::ffff:10.0.0.1", "10.0.0.1"), ("[::1]", "0:0:0:0:0:0:0:1"), ("fe80::1%eth0", "fe80:0:0:0:0:0:0:1"),
        ])
    func parses(text: String, expected: String) {
        #expect(IPAddress(text)?.description == expected)
    }

    @Test("malformed addresses are refused", arguments: ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1::2::3", "12345::", "g::1", "1.2.3.4/8"])
    func refuses(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test("membership follows the prefix, and the families never mix")
    func membership() throws {
        let v4 = try #require(CIDR("10.1.0.0/16"))
        #expect(v4.contains(IPAddress("10.1.255.255")!))
        #expect(!v4.contains(IPAddress("10.2.0.0")!))
        let odd = try #require(CIDR("192.168.0.0/23"))
        #expect(odd.contains(IPAddress("192.168.1.77")!))
        #expect(!odd.contains(IPAddress("192.168.2.1")!))
        let v6 = try #require(CIDR("2001:db8::/32"))
        #expect(v6.contains(IPAddress("2001:db8:ffff::1")!))
        #expect(!v6.contains(IPAddress("2001:db9::1")!))
        #expect(!v6.contains(IPAddress("10.1.0.1")!))
        #expect(try #require(CIDR("0.0.0.0/0")).contains(IPAddress("203.0.113.9")!))
        #expect([v4].contains(address: "not an address") == false)
    }
}

@Suite struct MappedCIDRTests {
    @Test("an IPv4-mapped IPv6 block is the IPv4 block, its prefix counted over 128 bits")
    func mappedBlock() throws {
        let block = try #require(CIDR("::ffff:10.0.0.0/104"))
        #expect(block.prefixLength == 8)
        #expect(block.contains(IPAddress("10.200.0.1")!))
        #expect(block.contains(IPAddress("::ffff:10.200.0.1")!))
        #expect(!block.contains(IPAddress("11.0.0.1")!))
        #expect(CIDR("::ffff:10.0.0.0/95") == nil)
        #expect(CIDR("::ffff:10.0.0.0/129") == nil)
        #expect(CIDR("10.0.0.0/33") == nil)
        #expect(CIDR("2001:db8::/129") == nil)
    }

    @Test("a bare IPv4-mapped address is a block of one IPv4 address, and prints as one that parses back")
    func mappedAddress() throws {
        let block = try #require(CIDR("::ffff:0.0.10.0"))
        #expect(block.prefixLength == 32)
        #expect(block.description == "0.0.10.0/32")
        #expect(CIDR(block.description) == block)
    }
}
