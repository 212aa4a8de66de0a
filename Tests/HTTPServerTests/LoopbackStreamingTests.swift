import Testing

@testable import HTTPServer

/// Deterministic pseudo-random bytes so corruption anywhere is detected.
private func pattern(_ count: Int, seed: UInt32 = 7) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 1_664_525 &+ 1_013_904_223
        return UInt8(truncatingIfNeeded: state >> 24)
    }
}

@Suite struct LoopbackStreamingTests {
    @Test func slowReaderGetsALargeResponseIntactThroughBackpressure() async throws {
        let payload = pattern(8 * 1024 * 1024)
        var router = Router()
        router.get("/big") { _ in
            Response(status: .ok, headers: ["Content-Type": "application/octet-stream"], body: .bytes(payload))
        }
        try await withServer(router: router) { _, port in
            let client = try await RawClient.connect(port: port, receiveBuffer: 16 * 1024)
            try await client.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
            let head = try await client.readSlowly(count: 20, chunk: 20, pause: .zero)
            #expect(String(decoding: head, as: UTF8.self).hasPrefix("HTTP/1.1 200"))
            // Skip the rest of the head, then read the body slowly: 64 KiB every 2 ms.
            let response = try await client.readResponseAfterStatusPrefix(slowChunk: 64 * 1024, pause: .milliseconds(2))
            #expect(response.body.count == payload.count)
            #expect(response.body == payload)
            // The connection is still usable afterwards.
            try await client.send("GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(try await client.readResponse().body.count == payload.count)
        }
    }

    @Test func streamedResponseReachesASlowReaderInOrder() async throws {
        let chunks = (0..<200).map { pattern(32 * 1024, seed: UInt32($0)) }
        var router = Router()
        router.get("/export") { _ in
            Response.stream(contentType: "application/x-ndjson") { writer in
                for chunk in chunks { try await writer.write(chunk) }
            }
        }
        try await withServer(router: router) { _, port in
            let client = try await RawClient.connect(port: port, receiveBuffer: 16 * 1024)
            try await client.send("GET /export HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.header("Transfer-Encoding") == "chunked")
            #expect(response.body == chunks.flatMap { $0 })
            try await client.send("GET /export HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().body.count == 200 * 32 * 1024)
        }
    }

    @Test func streamedResponseIsGzippedWhenAccepted() async throws {
        let lines = (0..<5000).map { "{\"row\":\($0),\"text\":\"conversation export line\"}\n" }
        var router = Router()
        router.get("/export.ndjson") { _ in
            Response.stream(contentType: "application/x-ndjson") { writer in
                for line in lines { try await writer.write(line) }
            }
        }
        try await withServer(router: router) { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("GET /export.ndjson HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.header("Content-Encoding") == "gzip")
            #expect(response.header("Vary") == "Accept-Encoding")
            let expected = Array(lines.joined().utf8)
            #expect(response.body.count < expected.count / 4)
            let inflater = try GzipInflater()
            #expect(try inflater.inflate(response.body) == expected)
            try inflater.finish()
        }
    }

    @Test func largeUploadIsConsumedAsAStream() async throws {
        let payload = pattern(6 * 1024 * 1024)
        var router = Router()
        router.post("/upload", bodyLimit: 64 * 1024 * 1024) { request in
            var count = 0
            var checksum: UInt64 = 0
            var chunks = 0
            for try await chunk in request.body {
                chunks += 1
                for byte in chunk { checksum = checksum &* 31 &+ UInt64(byte) }
                count += chunk.count
            }
            return Response(text: "\(count) \(checksum) \(chunks > 1)")
        }
        try await withServer(router: router) { _, port in
            var expected: UInt64 = 0
            for byte in payload { expected = expected &* 31 &+ UInt64(byte) }
            let client = try await RawClient.connect(port: port)
            try await client.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: \(payload.count)\r\n\r\n")
            try await client.send(payload)
            let response = try await client.readResponse()
            #expect(response.text == "\(payload.count) \(expected) true")
        }
    }

    @Test func manySmallChunksArriveIntactInOrder() async throws {
        try await withServer(router: basicRouter()) { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            var expected: [UInt8] = []
            for batch in 0..<10 {
                var wire: [UInt8] = []
                for index in 0..<2000 {
                    let piece = Array("\(batch)-\(index);".utf8)
                    expected += piece
                    wire += Array(String(piece.count, radix: 16).utf8) + [13, 10] + piece + [13, 10]
                }
                try await client.send(wire)
            }
            try await client.send("0\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.body == expected)
        }
    }

    @Test func gzipResponsesWhenAcceptedAndGzipRequestBodiesInflated() async throws {
        let text = String(repeating: "{\"message\":\"hello gzip\"}\n", count: 400)
        var router = Router()
        router.get("/json") { _ in
            Response(status: .ok, headers: ["Content-Type": "application/json"], body: .bytes(Array(text.utf8)))
        }
        router.post("/echo", bodyLimit: 100_000) { request in
            Response(status: .ok, headers: ["Content-Type": "application/octet-stream"], body: .bytes(try await request.body.collect()))
        }
        try await withServer(router: router) { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("GET /json HTTP/1.1\r\nHost: x\r\nAccept-Encoding: br, gzip;q=0.8\r\n\r\n")
            let compressed = try await client.readResponse()
            #expect(compressed.header("Content-Encoding") == "gzip")
            #expect(compressed.header("Vary") == "Accept-Encoding")
            #expect(compressed.body.count < text.utf8.count / 5)
            let inflater = try GzipInflater()
            #expect(try inflater.inflate(compressed.body) == Array(text.utf8))
            try await client.send("GET /json HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip;q=0\r\n\r\n")
            let plain = try await client.readResponse()
            #expect(plain.header("Content-Encoding") == nil)
            #expect(plain.text == text)

            let body = try GzipDeflater.compress(Array(text.utf8))
            try await client.send(
                "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: \(body.count)\r\n\r\n")
            try await client.send(body)
            #expect(try await client.readResponse().text == text)

            // A small gzip body that inflates past the route limit is refused.
            let bomb = try GzipDeflater.compress([UInt8](repeating: 0, count: 1_000_000))
            let other = try await RawClient.connect(port: port)
            try await other.send(
                "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: \(bomb.count)\r\n\r\n")
            try await other.send(bomb)
            #expect(try await other.readResponse().status == 413)
        }
    }
}
