import Testing

@testable import HTTPServer

@Suite struct LoopbackTimeoutTests {
    @Test func idleKeepAliveConnectionIsClosed() async throws {
        try await withServer(configure: { $0.timeouts.keepAliveIdle = .seconds(1) }, router: basicRouter()) {
            _, port in
            let clock = ContinuousClock()
            // A connection that never sends anything is closed.
            let silent = try await RawClient.connect(port: port)
            #expect(try await silent.isClosedByPeer())
            // After a response, the idle keep-alive connection is closed. On a loaded machine the first request
            // may itself arrive after the idle timeout (a correct close), so allow a few attempts.
            var served = false
            for _ in 0..<3 where !served {
                let client = try await RawClient.connect(port: port)
                try await client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
                guard let response = try? await client.readResponse() else { continue }
                served = true
                #expect(response.text == "hello")
                let start = clock.now
                #expect(try await client.isClosedByPeer())
                #expect(clock.now - start < .seconds(15))
            }
            #expect(served)
        }
    }

    @Test func stalledBodyGets408() async throws {
        try await withServer(configure: { $0.timeouts.bodyIdle = .milliseconds(400) }, router: basicRouter()) { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
            let response = try await client.readResponse()
            #expect(response.status == 408)
            #expect(try await client.isClosedByPeer())
        }
    }

    @Test func peerThatNeverReadsIsDroppedAfterTheWriteStallTimeout() async throws {
        let payload = [UInt8](repeating: 0x5A, count: 16 * 1024 * 1024)
        var router = Router()
        router.get("/big") { _ in Response(status: .ok, headers: ["Content-Type": "application/octet-stream"], body: .bytes(payload)) }
        try await withServer(configure: { $0.timeouts.writeStall = .milliseconds(500) }, router: router) { server, port in
            let client = try await RawClient.connect(port: port, receiveBuffer: 4096)
            try await client.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
            // Without reading: the server fills the socket buffers, stalls, and gives up.
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(15)
            while server.connectionCount > 0 && clock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            #expect(server.connectionCount == 0)
            // What was buffered before the close is a strict prefix of the response.
            let received = try await client.readUntilClosed()
            #expect(received.count > 0)
            #expect(received.count < payload.count)
        }
    }

    @Test func accessLogRecordsStatusDurationAndRequestID() async throws {
        let recorder = InMemoryLogRecorder()
        var router = basicRouter()
        router.use(RequestLogMiddleware(logger: recorder.logger()))
        try await withServer(router: router) { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("GET /missing HTTP/1.1\r\nHost: x\r\nX-Request-Id: trace-42\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 404)
            #expect(response.header("Server-Timing")?.hasPrefix("app;dur=") == true)
        }
        let entry = try #require(recorder.all.first { $0.metadata["request_id"] == "trace-42" })
        #expect(entry.level == .info)
        #expect(entry.metadata["status"] == "404")
        #expect(entry.metadata["path"] == "/missing")
        #expect(entry.metadata["duration_ms"] != nil)
    }

    /// Timeouts guard against slow peers, never against slow handlers: a handler slower than every peer timeout
    /// keeps its connection, whether it answers with bytes, a stream, or reads its upload late.
    @Test func slowHandlerOutlivesThePeerTimeouts() async throws {
        var router = Router()
        router.get("/slow") { _ in
            try await Task.sleep(for: .milliseconds(1500))
            return Response(text: "late")
        }
        router.get("/slow-stream") { _ in
            try await Task.sleep(for: .milliseconds(1500))
            return Response.stream(contentType: "text/plain") { writer in
                try await Task.sleep(for: .milliseconds(1500))
                try await writer.write("late stream")
            }
        }
        router.post("/slow-upload", bodyLimit: 8 * 1024 * 1024) { request in
            // The body fills the server's buffer and reading pauses while the handler is busy.
            try await Task.sleep(for: .milliseconds(1500))
            var count = 0
            for try await chunk in request.body { count += chunk.count }
            return Response(text: "\(count)")
        }
        let configure: (inout HTTPServerConfiguration) -> Void = {
            $0.timeouts.keepAliveIdle = .milliseconds(300)
            $0.timeouts.bodyIdle = .milliseconds(300)
            $0.timeouts.requestHead = .milliseconds(300)
            $0.timeouts.writeStall = .milliseconds(300)
        }
        try await withServer(configure: configure, router: router) { _, port in
            // Each request leaves with the connect, in one send: only the handler is slow, never the peer.
            let client = try await RawClient.connect(
                port: port, sending: Array("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
            #expect(try await client.readResponse().text == "late")

            let streamed = try await RawClient.connect(
                port: port, sending: Array("GET /slow-stream HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
            #expect(try await streamed.readResponse().text == "late stream")

            let payload = [UInt8](repeating: 7, count: 2 * 1024 * 1024)
            let upload = Array("POST /slow-upload HTTP/1.1\r\nHost: x\r\nContent-Length: \(payload.count)\r\n\r\n".utf8)
            let uploader = try await RawClient.connect(port: port, sending: upload + payload)
            let response = try await uploader.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "\(payload.count)")
        }
    }
}
