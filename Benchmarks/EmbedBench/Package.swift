// swift-tools-version: 6.1
// Bench-only package: builds the app's Embeddings sources (symlinked from the repo) without the rest of the
// repo, so `make bench-embed` neither edits nor depends on the root Package.swift. It also carries the
// EmbeddingsTests target, so those tests can run on their own while other targets are mid-change.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "EmbedBench",
    platforms: [.macOS(.v14)],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas"),
        .target(name: "Embeddings", dependencies: ["CBLAS"], path: "Sources/Embeddings", swiftSettings: swiftSettings),
        .executableTarget(name: "EmbedBench", dependencies: ["Embeddings"], swiftSettings: swiftSettings),
        .testTarget(
            name: "EmbeddingsTests", dependencies: ["Embeddings"], path: "Tests/EmbeddingsTests",
            swiftSettings: swiftSettings),
    ]
)
