import Foundation
import Parley
import Postgres
import TestSupport
import Testing
import HTTPServer

@Suite struct BulkIngestTests {
    func ndjson(_ lines: [String]) -> Data { Data(lines.joined(separator: "\n").utf8) }

    func line(_ id: String) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: sampleConversation(id: id)), as: UTF8.self)
    }

    @Test func partialFailureStoresGoodLinesAndReportsBadOnes() async throws {
        let app = try await TestApp.start()
        defer { Task { await app.stop() } }
        var lines = try (0..<5_000).map { try line("n\($0)") }
        lines[10] = "{not json"
        lines[20] = #"{"id": "bad", "messages": [{"role": "wizard", "content": "x"}]}"#
        lines[30] = ""
        lines.append(try line("n1"))  // a duplicate of line 2
        let reply = try await app.send("POST", "/api/v1/conversations/bulk", body: ndjson(lines),
                                       contentType: "application/x-ndjson")
        #expect(reply.status == 200)
        let summary = reply.json
        #expect(summary["created"] as? Int == 4_997)
        #expect(summary["duplicate"] as? Int == 1)
        #expect(summary["rejected"] as? Int == 2)
        let errors = summary["errors"] as? [[String: Any]] ?? []
        #expect(errors.compactMap { $0["line"] as? Int } == [11, 21])
        let paths = (errors.last?["errors"] as? [[String: Any]])?.compactMap { $0["path"] as? String }
        #expect(paths == ["messages[0].role"])
        #expect(try await app.count() == 4_997)
    }

    @Test func gzipBulkIsInflatedWhileStreaming() async throws {
        let app = try await TestApp.start()
        defer { Task { await app.stop() } }
        let plain = ndjson(try (0..<3_000).map { try line("z\($0)") })
        let compressed = try GzipDeflater.compress(Array(plain))
        #expect(compressed.count < plain.count / 4)
        let reply = try await app.send("POST", "/api/v1/conversations/bulk", body: Data(compressed),
                                       contentType: "application/x-ndjson", headers: ["Content-Encoding": "gzip"])
        #expect(reply.status == 200)
        #expect(reply.json["created"] as? Int == 3_000)
        #expect(try await app.count() == 3_000)
        let resend = try await app.send("POST", "/api/v1/conversations/bulk", body: Data(compressed),
                                        contentType: "application/x-ndjson", headers: ["Content-Encoding": "gzip"])
        #expect(resend.json["duplicate"] as? Int == 3_000)
        #expect(try await app.count() == 3_000)
    }

    @Test func wrongContentTypeIs415() async throws {
        let app = try await TestApp.start()
        defer { Task { await app.stop() } }
        let reply = try await app.send("POST", "/api/v1/conversations/bulk", body: Data("{}".utf8))
        #expect(reply.status == 415)
    }
}
