import Foundation
import Testing

/// Per-address login limits keyed the way the security review asked, through the worker's FastCGI socket with
/// crafted `REMOTE_ADDR`s (nginx would hand over the real ones): an IPv6 client by its /64, an IPv4-mapped IPv6
/// address as its IPv4 address, and a ceiling across every address.
@Suite(.serialized) struct RateLimitAddressTests {
    /// The statuses of one wrong login per address, each for a different identifier (so only the address and
    /// global buckets can refuse).
    func wrongLogins(_ server: ServerProcess, from addresses: [String]) throws -> [Int] {
        try addresses.map { address in
            let body = #"{"email": "nobody-\#(UUID().uuidString.prefix(8))@example.com", "password": "wrong"}"#
            return try FastCGI.request(
                socket: server.socket, method: "POST", uri: "/auth/login", headers: [("CONTENT_TYPE", "application/json")],
                body: Array(body.utf8), remoteAddress: address
            ).status
        }
    }

    @Test("many addresses of one IPv6 /64 share one bucket; another /64 has its own")
    func ipv6ByPrefix() throws {
        try withServer(settings: ["RATE_LIMIT_LOGIN": "5/1m"]) { server in
            let statuses = try wrongLogins(server, from: (1...7).map { "2001:db8:1:2::\(String($0, radix: 16))" })
            #expect(statuses == [401, 401, 401, 401, 401, 429, 429])
            // The same /64 written differently (a full address, upper case) is the same subscriber.
            let got1 = try wrongLogins(server, from: ["2001:DB8:1:2:ffff:ffff:ffff:ffff"])
            #expect(got1 == [429])
            let got2 = try wrongLogins(server, from: ["2001:db8:1:3::1", "2001:db8:1:3::2"])
            #expect(got2 == [401, 401])
        }
    }

    @Test("RATE_LIMIT_IPV6_PREFIX widens the shared block")
    func ipv6PrefixIsConfigurable() throws {
        try withServer(settings: ["RATE_LIMIT_LOGIN": "2/1m", "RATE_LIMIT_IPV6_PREFIX": "48"]) { server in
            let got3 = try wrongLogins(server, from: ["2001:db8:1:2::1", "2001:db8:1:3::1", "2001:db8:1:4::1"])
            #expect(got3 == [401, 401, 429])
            let got4 = try wrongLogins(server, from: ["2001:db8:2::1"])
            #expect(got4 == [401])
        }
    }

    @Test("an IPv4-mapped IPv6 address shares the bucket of its IPv4 address")
    func ipv4Mapped() throws {
        try withServer(settings: ["RATE_LIMIT_LOGIN": "2/1m"]) { server in
            let got5 = try wrongLogins(server, from: ["198.51.100.7", "::ffff:198.51.100.7", "::FFFF:198.51.100.7"])
            #expect(got5 == [401, 401, 429])
            let got6 = try wrongLogins(server, from: ["198.51.100.8"])
            #expect(got6 == [401])
        }
    }

    @Test("the global login ceiling holds across every address and identifier")
    func globalCeiling() throws {
        try withServer(settings: ["RATE_LIMIT_LOGIN_GLOBAL": "4/1m"]) { server in
            let addresses = ["192.0.2.1", "192.0.2.2", "2001:db8:a::1", "2001:db8:b::1", "203.0.113.9", "2001:db8:c::1"]
            let got7 = try wrongLogins(server, from: addresses)
            #expect(got7 == [401, 401, 401, 401, 429, 429])
        }
    }
}
