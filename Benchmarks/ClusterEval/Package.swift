// swift-tools-version: 6.1
// Bench-only package: builds the app's Insights and Embeddings sources (symlinked from the repo) without the
// rest of the repo, so `make bench-cluster` neither edits nor depends on the root Package.swift. It also carries
// the InsightsTests target, so those tests can run on their own while other targets are mid-change.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "ClusterEval",
    platforms: [.macOS(.v14)],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas"),
        .target(name: "Embeddings", dependencies: ["CBLAS"], path: "Sources/Embeddings", swiftSettings: swiftSettings),
        .target(name: "Insights", dependencies: ["CBLAS"], path: "Sources/Insights", swiftSettings: swiftSettings),
        .executableTarget(
            name: "ClusterEval", dependencies: ["Insights", "Embeddings"], swiftSettings: swiftSettings),
        .testTarget(
            name: "InsightsTests", dependencies: ["Insights"], path: "Tests/InsightsTests",
            swiftSettings: swiftSettings),
    ]
)
