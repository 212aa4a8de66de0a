// swift-tools-version: 6.1
// Benchmark peer only: the HTTPServer library (sources symlinked from the main package, which exports no
// library product) behind a one-route executable, until `parley serve` exists. Used by scripts/bench-http.sh.
import PackageDescription

let package = Package(
    name: "HTTPServerPeer",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0")
    ],
    targets: [
        .target(name: "CShim", path: "Sources/CShim", cSettings: [.define("_GNU_SOURCE")]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(
            name: "HTTPServer",
            dependencies: ["CShim", "CZlib", .product(name: "Logging", package: "swift-log")],
            path: "Sources/HTTPServer",
            swiftSettings: [.swiftLanguageMode(.v6), .enableUpcomingFeature("ExistentialAny")]
        ),
        .executableTarget(
            name: "HTTPServerPeer",
            dependencies: ["HTTPServer", .product(name: "Logging", package: "swift-log")],
            path: "Sources/HTTPServerPeer",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
