import Logging

@testable import HTTPServer

/// Starts a server on an ephemeral loopback port, runs `body`, then shuts it down.
func withServer<T>(
    configure: (inout HTTPServerConfiguration) -> Void = { _ in },
    router: Router,
    _ body: (HTTPServer, Int) async throws -> T
) async throws -> T {
    var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
    configuration.queueCount = 2
    configure(&configuration)
    var logger = Logger(label: "test.http")
    logger.logLevel = .critical
    let server = HTTPServer(configuration: configuration, router: router, logger: logger)
    let port = try server.start()
    do {
        let result = try await body(server, port)
        await server.shutdown(deadline: .seconds(5))
        return result
    } catch {
        await server.shutdown(deadline: .seconds(5))
        throw error
    }
}

/// A router with a few endpoints most loopback tests use.
func basicRouter() -> Router {
    var router = Router()
    router.get("/hello") { _ in Response(text: "hello") }
    router.post("/echo") { request in
        let bytes = try await request.body.collect()
        return Response(status: .ok, headers: ["Content-Type": "application/octet-stream"], body: .bytes(bytes))
    }
    router.get("/whoami") { request in Response(text: request.remoteAddress ?? "unknown") }
    router.get("/items/:id") { request in Response(text: "item \(request.parameters["id"] ?? "")") }
    return router
}
