// swift-tools-version:6.2
import PackageDescription
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]
/// The targets that call C: strict memory safety, its warnings as errors (STYLE.md rules 1 and 22).
let cBoundary = swiftSettings + [.strictMemorySafety(), .treatWarning("StrictMemorySafety", as: .error)]

let package = Package(
    name: "gatehouse",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gatehouse", targets: ["gatehouse"])
    ],
    targets: [
        .systemLibrary(name: "CFastCGI", pkgConfig: "fcgi", providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CArgon2", pkgConfig: "libargon2", providers: [.apt(["libargon2-dev"])]),
        .systemLibrary(name: "CPostgreSQL", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CQRencode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        /// Gatehouse's own Argon2id in C (SSE2/AVX2 chosen at run time); optimised in debug builds as well, so
        /// the tests that compare it with libargon2 stay quick.
        .target(
            name: "CArgon2id", path: "Sources/CArgon2id",
            cSettings: [.unsafeFlags(["-O2"], .when(configuration: .debug))]),

        .target(name: "FCGIHost", dependencies: ["CFastCGI"], swiftSettings: cBoundary),
        .target(name: "Crypto", dependencies: ["COpenSSL", "CArgon2", "CArgon2id"], swiftSettings: cBoundary),
        .target(name: "Store", dependencies: ["CSQLite", "CPostgreSQL"], swiftSettings: cBoundary),
        /// QR codes (libqrencode) drawn as SVG, for the portal's TOTP enrolment.
        .target(name: "QRCode", dependencies: ["CQRencode"], swiftSettings: cBoundary),
        /// Events, webhook signing and the delivery process (libcurl in `Webhooks/Curl/` only).
        .target(name: "Webhooks", dependencies: ["FCGIHost", "Crypto", "Store", "CCurl"], swiftSettings: cBoundary),
        .target(
            name: "AuthHandlers", dependencies: ["FCGIHost", "Crypto", "Store", "Webhooks", "QRCode"],
            swiftSettings: swiftSettings),
        .target(name: "ApiHandlers", dependencies: ["FCGIHost", "Store", "AuthHandlers"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "gatehouse",
            dependencies: ["FCGIHost", "Crypto", "Store", "Webhooks", "AuthHandlers", "ApiHandlers"],
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "gatehouse-bench", dependencies: ["Crypto", "Store", "AuthHandlers", "FCGIHost"], path: "bench/Sources/gatehouse-bench",
            swiftSettings: swiftSettings),

        .testTarget(name: "FCGIHostTests", dependencies: ["FCGIHost"], swiftSettings: swiftSettings),
        .testTarget(name: "QRCodeTests", dependencies: ["QRCode"], swiftSettings: swiftSettings),
        .testTarget(
            name: "CryptoTests", dependencies: ["Crypto"], resources: [.copy("Vectors"), .copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "StoreTests", dependencies: ["Store"], swiftSettings: swiftSettings),
        .testTarget(name: "WebhooksTests", dependencies: ["Webhooks", "FCGIHost"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AuthHandlersTests", dependencies: ["AuthHandlers", "FCGIHost", "Store", "Crypto"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "AuthorizerTests", dependencies: ["AuthHandlers", "FCGIHost"], resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings),
    ]
)

/// libFuzzer targets, only when GATEHOUSE_FUZZ is set (fuzz/run-targets.sh builds them with
/// `-sanitize=fuzzer,address` in .build-fuzz): one executable `fuzz-NAME` per folder fuzz/targets/NAME, each a
/// `main.swift` that hands its input to the code under test through FuzzSupport. A new folder is a new target.
if Context.environment["GATEHOUSE_FUZZ"] != nil {
    let folder = Context.packageDirectory + "/fuzz/targets"
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
        .filter { FileManager.default.fileExists(atPath: folder + "/" + $0 + "/main.swift") }.sorted()
    package.targets.append(.target(name: "FuzzSupport", path: "fuzz/Support", swiftSettings: swiftSettings))
    for name in names {
        package.targets.append(
            .executableTarget(
                name: "fuzz-" + name,
                dependencies: ["FuzzSupport", "FCGIHost", "Crypto", "Store", "AuthHandlers", "ApiHandlers"],
                path: "fuzz/targets/" + name, exclude: ["corpus"], swiftSettings: swiftSettings))
    }
}
