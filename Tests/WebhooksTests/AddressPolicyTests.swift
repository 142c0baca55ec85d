import Testing
import Webhooks

@Suite("Webhook address policy")
struct AddressPolicyTests {
    @Test(
        "loopback, private, shared, link-local, multicast and unspecified addresses are refused",
        arguments: [
            [127, 0, 0, 1], [10, 1, 2, 3], [172, 16, 0, 1], [172, 31, 255, 255], [192, 168, 1, 1], [169, 254, 169, 254],
            [100, 64, 0, 1], [0, 0, 0, 0], [224, 0, 0, 1], [255, 255, 255, 255],
            [UInt8](repeating: 0, count: 15) + [1], [UInt8](repeating: 0, count: 16),
            [0xfe, 0x80] + [UInt8](repeating: 0, count: 13) + [1], [0xfd, 0] + [UInt8](repeating: 0, count: 14),
            [0xff, 0x02] + [UInt8](repeating: 0, count: 13) + [1],
            [UInt8](repeating: 0, count: 10) + [0xff, 0xff, 127, 0, 0, 1],
            [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1],
            [0x20, 0x02, 127, 0, 0, 1] + [UInt8](repeating: 0, count: 10),  // 6to4 of 127.0.0.1
            [0x20, 0x02, 192, 168, 1, 1] + [UInt8](repeating: 0, count: 10),  // 6to4 of 192.168.1.1
            [0xfe, 0xc0] + [UInt8](repeating: 0, count: 13) + [1],  // site-local
            [0x20, 0x01, 0, 0, 0x41, 0x36, 0xe3, 0x78, 0x80, 0, 0x63, 0xbf, 0x3f, 0xff, 0xfd, 0xd2],  // Teredo
            [0x01, 0] + [UInt8](repeating: 0, count: 14),  // discard-only
            [0, 0x64, 0xff, 0x9b, 0, 0x01, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1],  // local-use NAT64
        ] as [[UInt8]])
    func refused(_ address: [UInt8]) {
        #expect(!AddressPolicy.isPublic(address))
    }

    @Test(
        "public addresses are allowed",
        arguments: [
            [93, 184, 216, 34], [1, 1, 1, 1], [172, 32, 0, 1], [8, 8, 8, 8],
            [0x26, 0x06, 0x28, 0x00, 0x02, 0x20, 0, 1, 0x2, 0x48, 0x18, 0x93, 0x25, 0xc8, 0x19, 0x46],
            [0x20, 0x02, 93, 184, 216, 34] + [UInt8](repeating: 0, count: 10),  // 6to4 of a public address
        ] as [[UInt8]])
    func allowed(_ address: [UInt8]) {
        #expect(AddressPolicy.isPublic(address))
    }

    @Test("a name that resolves to loopback is refused at subscription; an IP literal too; any with the override")
    func targets() {
        #expect(WebhookTarget.problem(with: "http://localhost:9/hook", allowPrivate: false) != nil)
        #expect(WebhookTarget.problem(with: "http://127.0.0.1/hook", allowPrivate: false) != nil)
        #expect(WebhookTarget.problem(with: "http://[::1]/hook", allowPrivate: false) != nil)
        #expect(WebhookTarget.problem(with: "http://169.254.169.254/latest", allowPrivate: false) != nil)
        #expect(WebhookTarget.problem(with: "ftp://93.184.216.34/", allowPrivate: false) != nil)
        #expect(WebhookTarget.problem(with: "not a url", allowPrivate: false) != nil)
        #expect(WebhookTarget.problem(with: "https://93.184.216.34/hook", allowPrivate: false) == nil)
        #expect(WebhookTarget.problem(with: "http://localhost:9/hook", allowPrivate: true) == nil)
    }
}
