import Testing

@testable import HTTPServer

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
                #expect(response.header("X-Request-Id") != nil)
            }
        }
    }
}
