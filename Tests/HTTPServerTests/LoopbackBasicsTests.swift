import Testing

@testable import HTTPServer

private struct TeapotError: HTTPResponseError {
    var status: HTTPStatus { HTTPStatus(code: 418, reasonPhrase: "I'm a teapot") }
    func response(for request: Request) -> Response {
        Response(
            status: status, headers: ["Content-Type": "application/problem+json"],
            body: .bytes(Array("{\"status\":418,\"instance\":\"\(request.id)\"}".utf8)))
    }
}

private struct SecretError: Error {
    let detail = "password=hunter2"
}

@Suite struct LoopbackBasicsTests {
    @Test func servesKeepAliveRequestsOnOneConnection() async throws {
        try await withServer(router: basicRouter()) { _, port in
            let client = try await RawClient.connect(port: port)
            for index in 0..<3 {
                try await client.send("GET /items/\(index) HTTP/1.1\r\nHost: x\r\n\r\n")
                let response = try await client.readResponse()
                #expect(response.status == 200)
                #expect(response.text == "item \(index)")
                #expect(response.header("Connection") == nil)
                #expect(response.header("Date")?.hasSuffix("GMT") == true)
                #expect(response.header("Content-Length") == "\(response.body.count)")
            }
            try await client.send("GET /whoami HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().text == "127.0.0.1")
        }
    }

    @Test func closesAfterConnectionCloseAndAfterHTTP10() async throws {
        try await withServer(router: basicRouter()) { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.header("Connection") == "close")
            #expect(try await client.isClosedByPeer())
            let old = try await RawClient.connect(port: port)
            try await old.send("GET /hello HTTP/1.0\r\n\r\n")
            let oldResponse = try await old.readResponse()
            #expect(oldResponse.text == "hello")
            #expect(try await old.isClosedByPeer())
        }
    }

    @Test func answersHeadWithoutBodyAnd404And405WithAllow() async throws {
        try await withServer(router: basicRouter()) { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            let head = try await client.readResponse(head: true)
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == "5")
            try await client.send("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().status == 404)
            try await client.send("DELETE /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            let notAllowed = try await client.readResponse()
            #expect(notAllowed.status == 405)
            #expect(notAllowed.header("Allow") == "GET, HEAD")
            // The HEAD response carried no body: the next response parses cleanly.
            try await client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().text == "hello")
        }
    }

    @Test func rendersResponseErrorsAndHidesOtherErrors() async throws {
        var router = Router()
        router.get("/teapot") { _ in throw TeapotError() }
        router.get("/secret") { _ in throw SecretError() }
        try await withServer(router: router) { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("GET /teapot HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc-123\r\n\r\n")
            let teapot = try await client.readResponse()
            #expect(teapot.status == 418)
            #expect(teapot.header("Content-Type") == "application/problem+json")
            #expect(teapot.text.contains("abc-123"))
            #expect(teapot.header("X-Request-Id") == "abc-123")
            try await client.send("GET /secret HTTP/1.1\r\nHost: x\r\n\r\n")
            let secret = try await client.readResponse()
            #expect(secret.status == 500)
            #expect(!secret.text.contains("hunter2"))
            let id = try #require(secret.header("X-Request-Id"))
            #expect(secret.text.contains(id))
        }
    }

    @Test func sends100ContinueBeforeReadingTheBody() async throws {
        try await withServer(router: basicRouter()) { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send(
                "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
            let interim = try await client.readResponse()
            #expect(interim.status == 100)
            try await client.send("ping")
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "ping")
        }
    }

    @Test func refusesConnectionsBeyondTheCapWith503() async throws {
        try await withServer(configure: { $0.maxConnections = 2 }, router: basicRouter()) { server, port in
            let first = try await RawClient.connect(port: port)
            let second = try await RawClient.connect(port: port)
            for client in [first, second] {
                try await client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(try await client.readResponse().status == 200)
            }
            let third = try await RawClient.connect(port: port)
            let refused = try await third.readResponse()
            #expect(refused.status == 503)
            #expect(server.connectionCount == 2)
        }
    }

    @Test func requestCapPerConnectionEndsKeepAlive() async throws {
        try await withServer(configure: { $0.maxRequestsPerConnection = 2 }, router: basicRouter()) { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().header("Connection") == nil)
            try await client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().header("Connection") == "close")
            #expect(try await client.isClosedByPeer())
        }
    }

    @Test func reusePortLetsTwoServersShareAPort() async throws {
        try await withServer(configure: { $0.reusePort = true }, router: basicRouter()) { _, port in
            var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: port)
            configuration.reusePort = true
            let twin = HTTPServer(configuration: configuration, router: basicRouter())
            let twinPort = try twin.start()
            #expect(twinPort == port)
            await twin.shutdown(deadline: .seconds(1))
            var plain = configuration
            plain.reusePort = false
            #expect(throws: HTTPServerError.self) { try HTTPServer(configuration: plain, router: basicRouter()).start() }
        }
    }
}
