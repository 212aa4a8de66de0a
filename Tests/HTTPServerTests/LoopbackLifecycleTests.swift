import Dispatch
import Testing

@testable import HTTPServer

@Suite struct LoopbackLifecycleTests {
    @Test func gracefulShutdownLetsInFlightRequestsFinish() async throws {
        let started = Flag()
        var router = Router()
        router.get("/work") { _ in
            started.raise()
            try await Task.sleep(for: .milliseconds(600))
            return Response(text: "done")
        }
        var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.queueCount = 2
        let server = HTTPServer(configuration: configuration, router: router)
        let port = try server.start()
        let running = Task { try await server.run() }
        let busy = try await RawClient.connect(port: port)
        let idle = try await RawClient.connect(port: port)
        try await idle.send("GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = try await idle.readResponse()
        try await busy.send("GET /work HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await started.wait())
        let shutdown = Task { await server.shutdown(deadline: .seconds(10)) }
        // The idle keep-alive connection is closed at once; the busy one gets its answer, then is closed.
        #expect(try await idle.isClosedByPeer())
        let response = try await busy.readResponse()
        #expect(response.text == "done")
        #expect(response.header("Connection") == "close")
        #expect(try await busy.isClosedByPeer())
        await shutdown.value
        try await running.value
        #expect(server.connectionCount == 0)
        // The listener is gone.
        await #expect(throws: (any Error).self) { _ = try await RawClient.connect(port: port) }
    }

    @Test func shutdownDeadlineClosesStuckRequests() async throws {
        let started = Flag()
        var router = Router()
        router.get("/stuck") { _ in
            started.raise()
            try? await Task.sleep(for: .seconds(30))
            return Response(text: "late")
        }
        var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.queueCount = 1
        let server = HTTPServer(configuration: configuration, router: router)
        let port = try server.start()
        let client = try await RawClient.connect(port: port)
        try await client.send("GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await started.wait())
        let clock = ContinuousClock()
        let start = clock.now
        await server.shutdown(deadline: .milliseconds(300))
        #expect(clock.now - start < .seconds(5))
        #expect(server.connectionCount == 0)
        #expect(try await client.isClosedByPeer())
    }

    @Test func survivesOpeningAndClosingTenThousandConnections() async throws {
        try await withServer(router: basicRouter()) { server, port in
            let workers = 8
            let perWorker = 1250
            try await withThrowingTaskGroup(of: Int.self) { group in
                for worker in 0..<workers {
                    group.addTask {
                        var ok = 0
                        for index in 0..<perWorker {
                            let client = try await RawClient.connect(port: port, timeout: 10)
                            switch index % 4 {
                            case 0:
                                // Connect and leave without a word.
                                ok += 1
                            case 1:
                                // Half a request, then gone.
                                try await client.send("GET /hel")
                                ok += 1
                            default:
                                try await client.send("GET /items/\(worker)-\(index) HTTP/1.1\r\nHost: x\r\n\r\n")
                                let response = try await client.readResponse()
                                if response.text == "item \(worker)-\(index)" { ok += 1 }
                            }
                        }
                        return ok
                    }
                }
                var total = 0
                for try await ok in group { total += ok }
                #expect(total == workers * perWorker)
            }
            // Every connection is eventually closed and forgotten by the server.
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(10)
            while server.connectionCount > 0 && clock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(server.connectionCount == 0)
            let client = try await RawClient.connect(port: port)
            try await client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().text == "hello")
        }
    }
}
