// swift-tools-version: 6.1
import PackageDescription

/// Upcoming-feature flags every target builds with (see docs/STYLE notes in README).
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Vigil",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vigil", targets: ["vigil"]),
        .executable(name: "vigil-sim", targets: ["vigil-sim"]),
        .library(name: "VigilLedger", targets: ["VigilLedger"]),
        .library(name: "VigilSurveillance", targets: ["VigilSurveillance"]),
        .library(name: "VigilCommunity", targets: ["VigilCommunity"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        .target(
            name: "VigilLedger",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "VigilSurveillance",
            swiftSettings: strictSettings
        ),
        .target(
            name: "VigilCommunity",
            dependencies: ["VigilSurveillance"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "VigilCodes",
            dependencies: [
                "VigilCommunity",
                "VigilSurveillance",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "VigilStore",
            dependencies: [
                "VigilLedger",
                "VigilCommunity",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "VigilServer",
            dependencies: [
                "VigilLedger",
                "VigilStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Mustache", package: "swift-mustache"),
                "VigilCommunity",
                "VigilCodes",
                "VigilSurveillance",
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "VigilOutbreak",
            swiftSettings: strictSettings
        ),
        .target(
            name: "VigilSimulation",
            dependencies: ["VigilLedger"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "VigilTestSupport",
            dependencies: ["VigilLedger", "VigilSurveillance", "VigilCommunity", "VigilStore", "VigilSimulation"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "vigil-sim",
            dependencies: [
                "VigilLedger",
                "VigilSimulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "vigil",
            dependencies: [
                "VigilLedger",
                "VigilSurveillance",
                "VigilCommunity",
                "VigilCodes",
                "VigilStore",
                "VigilServer",
                "VigilOutbreak",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VigilLedgerTests",
            dependencies: [
                "VigilLedger",
                "VigilTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VigilStoreTests",
            dependencies: [
                "VigilLedger", "VigilCommunity", "VigilStore", "VigilTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VigilPostgresTests",
            dependencies: [
                "VigilLedger", "VigilCommunity", "VigilStore", "VigilTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VigilServerTests",
            dependencies: [
                "VigilLedger", "VigilCommunity", "VigilSurveillance", "VigilStore", "VigilServer", "VigilTestSupport", "VigilCodes",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VigilCommunityTests",
            dependencies: ["VigilCommunity", "VigilSurveillance"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VigilCodesTests",
            dependencies: [
                "VigilCodes", "VigilCommunity", "VigilSurveillance", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VigilOutbreakTests",
            dependencies: ["VigilOutbreak"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VigilSurveillanceTests",
            dependencies: ["VigilSurveillance"],
            resources: [.copy("Resources")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "vigilTests",
            dependencies: [
                "vigil",
                "VigilCodes",
                "VigilLedger",
                "VigilSurveillance",
                "VigilStore",
                "VigilServer",
                "VigilTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
