// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "parley",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "parley", targets: ["parley"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
    ],
    targets: [
        // C shims: one purpose each.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .target(name: "CShim", cSettings: [.define("_GNU_SOURCE")]),

        // Low-level libraries: none of them knows about Parley.
        .target(
            name: "HTTPServer",
            dependencies: ["CShim", "CZlib", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Postgres",
            dependencies: ["CLibPQ", "CShim", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(name: "Embeddings", dependencies: ["CBLAS"], swiftSettings: swiftSettings),
        .target(name: "Insights", dependencies: ["CBLAS"], swiftSettings: swiftSettings),

        // The application, and a thin executable on top.
        .target(
            name: "Parley",
            dependencies: [
                "HTTPServer", "Postgres", "Embeddings", "Insights", "CShim",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            // Read at run time from their folders (found beside the program; see DemoData.locateDirectory, Views).
            exclude: ["Demo/Data", "Web/Templates", "Flags/Data"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "parley",
            dependencies: ["Parley", "HTTPServer", "Postgres", "Embeddings", "Insights", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),

        // Tests mirror the targets, plus one library of fixtures.
        .target(
            name: "TestSupport",
            dependencies: ["Postgres", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer"], swiftSettings: swiftSettings),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "EmbeddingsTests", dependencies: ["Embeddings"], swiftSettings: swiftSettings),
        .testTarget(name: "InsightsTests", dependencies: ["Insights"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ParleyTests",
            dependencies: ["Parley", "TestSupport", "HTTPServer", "Postgres"],
            swiftSettings: swiftSettings
        ),
    ]
)
