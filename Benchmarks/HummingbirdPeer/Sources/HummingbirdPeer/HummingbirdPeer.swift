import Hummingbird

/// `HummingbirdPeer PORT`: serves `GET /plaintext` like the HTTPServer peer, for wrk comparisons.
@main
struct HummingbirdPeer {
    static func main() async throws {
        let port = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 8081
        let router = Router()
        router.get("/plaintext") { _, _ in "Hello, World!" }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        try await app.runService()
    }
}
