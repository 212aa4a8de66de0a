import Testing

@testable import HTTPServer

@Suite struct LoopbackFramingTests {
    @Test func pipelinedRequestsAnsweredInOrder() async throws {
        var router = Router()
        router.get("/slow") { _ in
            try await Task.sleep(for: .milliseconds(200))
            return Response(text: "slow")
        }
        router.get("/fast") { _ in Response(text: "fast") }
        router.post("/echo") { request in Response(text: String(decoding: try await request.body.collect(), as: UTF8.self)) }
        try await withServer(router: router) { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send(
                "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                    + "GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
            var texts: [String] = []
            for _ in 0..<3 { texts.append(try await client.readResponse().text) }
            #expect(texts == ["slow", "abc", "fast"])
        }
    }

    @Test func oversizedHeadersGet431() async throws {
        try await withServer(router: basicRouter()) { _, port in
            let client = try await RawClient.connect(port: port)
            let big = String(repeating: "v", count: 70 * 1024)
            try await client.send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: \(big)\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 431)
            #expect(response.header("Connection") == "close")
            let many = try await RawClient.connect(port: port)
            let fields = (0..<101).map { "X-F\($0): v\r\n" }.joined()
            try await many.send("GET /hello HTTP/1.1\r\nHost: x\r\n\(fields)\r\n")
            #expect(try await many.readResponse().status == 431)
        }
    }

    @Test func longTargetGets414() async throws {
        try await withServer(router: basicRouter()) { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("GET /\(String(repeating: "a", count: 9000)) HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().status == 414)
        }
    }

    @Test func contentOverTheRouteLimitGets413() async throws {
        var router = Router()
        router.post("/small", bodyLimit: 1000) { request in Response(text: "\(try await request.body.collect().count)") }
        try await withServer(router: router) { _, port in
            let declared = try await RawClient.connect(port: port)
            try await declared.send("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n")
            try await declared.send([UInt8](repeating: 0x61, count: 5000))
            #expect(try await declared.readResponse().status == 413)
            let chunked = try await RawClient.connect(port: port)
            let chunk = String(repeating: "b", count: 600)
            try await chunked.send(
                "POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "258\r\n\(chunk)\r\n258\r\n\(chunk)\r\n0\r\n\r\n")
            #expect(try await chunked.readResponse().status == 413)
            let fits = try await RawClient.connect(port: port)
            try await fits.send("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
            try await fits.send([UInt8](repeating: 0x61, count: 1000))
            #expect(try await fits.readResponse().text == "1000")
        }
    }

    @Test(arguments: [
        "Content-Length: 3\r\nTransfer-Encoding: chunked",
        "Content-Length: 3x",
        "Content-Length: 3\r\nContent-Length: 4",
        "Transfer-Encoding: chunked, identity",
    ])
    func framingConflictsGet400(headers: String) async throws {
        try await withServer(router: basicRouter()) { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: x\r\n\(headers)\r\n\r\nabc")
            let response = try await client.readResponse()
            #expect(response.status == 400)
            #expect(try await client.isClosedByPeer())
        }
    }

    @Test func slowlorisIsClosedByTheHeadDeadline() async throws {
        try await withServer(configure: { $0.timeouts.requestHead = .milliseconds(800) }, router: basicRouter()) { _, port in
            let client = try await RawClient.connect(port: port)
            let clock = ContinuousClock()
            let start = clock.now
            let trickle = Array("GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8) + [UInt8](repeating: 0x7A, count: 100)
            var closed = false
            for byte in trickle {
                do {
                    try await client.send([byte])
                } catch {
                    closed = true
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
                if clock.now - start > .seconds(8) { break }
            }
            let elapsed = clock.now - start
            if !closed {
                let rest = try await client.readUntilClosed()
                #expect(String(decoding: rest, as: UTF8.self).hasPrefix("HTTP/1.1 408"))
            }
            // Each byte arrives well within any per-read timeout; only the whole-head deadline can end it.
            #expect(elapsed < .seconds(8))
        }
    }
}
