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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
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
            name: "VigilStore",
            dependencies: [
                "VigilLedger",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "VigilSimulation",
            dependencies: ["VigilLedger"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "VigilTestSupport",
            dependencies: ["VigilLedger", "VigilStore", "VigilSimulation"],
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
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
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
                "VigilLedger", "VigilStore", "VigilTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VigilPostgresTests",
            dependencies: [
                "VigilLedger", "VigilStore", "VigilTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
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
                "VigilLedger",
                "VigilTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
