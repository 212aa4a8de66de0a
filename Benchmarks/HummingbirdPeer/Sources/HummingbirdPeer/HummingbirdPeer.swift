import Hummingbird

/// `HummingbirdPeer PORT`: serves `GET /plaintext` and `GET /healthz` like our side, for wrk comparisons.
@main
struct HummingbirdPeer {
    static func main() async throws {
        let port = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 8081
        let router = Router()
        router.get("/plaintext") { _, _ in "Hello, World!" }
        // The same answer as `parley serve`'s health check, for the default comparison.
        router.get("/healthz") { _, _ in "ok\n" }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        try await app.runService()
    }
}
