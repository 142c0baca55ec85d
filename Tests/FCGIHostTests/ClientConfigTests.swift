import Testing
import FCGIHost

@Suite struct ClientConfigTests {
    @Test("the IP allowlist and origin checks are on by default, and the pepper lives beside the signing keys")
    func defaults() throws {
        let config = try Config(values: ["KEYS_DIR": "/srv/keys"])
        #expect(config.ipAllowlistEnabled)
        #expect(config.originValidationEnabled)
        #expect(config.apiKeyPepperFile == "/srv/keys/api-key.pepper")
        let off = try Config(values: [
            "IP_WHITELIST_ENABLED": "false", "ORIGIN_VALIDATION_ENABLED": "false", "API_KEY_PEPPER_FILE": "/etc/p",
        ])
        #expect(!off.ipAllowlistEnabled && !off.originValidationEnabled)
        #expect(off.apiKeyPepperFile == "/etc/p")
        #expect(throws: ConfigError.self) { try Config(values: ["IP_WHITELIST_ENABLED": "maybe"]) }
    }
}
