import HTTPServer
import Logging

/// `HTTPServerPeer PORT`: serves `GET /plaintext` with the production HTTPServer, for wrk comparisons.
@main
struct HTTPServerPeer {
    static func main() async throws {
        let port = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 8080
        var router = Router()
        router.get("/plaintext") { _ in Response(text: "Hello, World!") }
        var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: port)
        configuration.maxConnections = 20_000
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let server = HTTPServer(configuration: configuration, router: router, logger: logger)
        server.installShutdownSignalHandlers(deadline: .seconds(2))
        try await server.run()
    }
}
