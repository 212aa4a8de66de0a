import Foundation
import Postgres
import TestSupport
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Parley

/// `kill -9` of a real `parley serve` process during a bulk load; the client then resends everything.
@Suite struct KillDuringBulkTests {
    static var binary: String { TestPostgres.repositoryRoot + "/.build/debug/parley" }

    func startServer(conninfo: String, port: Int) async throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["serve", "--port", String(port), "--log-level", "error"]
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = conninfo
        environment["PARLEY_WORKERS"] = "0"
        environment["PARLEY_MIGRATIONS"] = TestPostgres.migrationsDirectory
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        for _ in 0..<200 {
            if let (_, response) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/healthz")!),
               (response as? HTTPURLResponse)?.statusCode == 200 {
                return process
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.terminate()
        throw CancellationError()
    }

    /// A port the kernel just handed out (bound to 0, then released), so parallel runs do not collide.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw CancellationError() }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    struct Summary: Decodable, Sendable {
        var created: Int
        var duplicate: Int
    }

    func bulk(port: Int, key: String, body: Data) async throws -> Summary {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1/conversations/bulk")!)
        request.httpMethod = "POST"
        request.setValue("application/x-ndjson", forHTTPHeaderField: "Content-Type")
        request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        request.timeoutInterval = 120
        let (data, _) = try await URLSession.shared.upload(for: request, from: body)
        return try JSONDecoder().decode(Summary.self, from: data)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary), "needs `swift build` first"))
    func killedServerThenFullResendGivesExactCount() async throws {
        let db = try await TestPostgres.freshDatabase()
        let project = try await ProjectStore(pool: db.pool).ensure(slug: "k")
        let key = try await APIKeyStore(pool: db.pool).create(projectID: project).key
        let total = 12_000
        var lines: [String] = []
        for i in 0..<total {
            let json = try JSONSerialization.data(withJSONObject: sampleConversation(id: "k\(i)"))
            lines.append(String(decoding: json, as: UTF8.self))
        }
        let body = Data(lines.joined(separator: "\n").utf8)
        let port = try Self.freePort()

        let first = try await startServer(conninfo: db.conninfo, port: port)
        let upload = Task { try? await bulk(port: port, key: key, body: body) }
        // Kill it once part of the load is committed, mid-stream.
        var stored = 0
        for _ in 0..<600 {
            stored = try await db.pool.query("SELECT count(*) FROM conversations").first?.decode(0, as: Int.self) ?? 0
            if stored > 0 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(first.processIdentifier, SIGKILL)
        // Not waitUntilExit: it would block one of the few cooperative threads the other suites share.
        while first.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        _ = await upload.value
        let afterKill = try await db.pool.query("SELECT count(*) FROM conversations").first?.decode(0, as: Int.self) ?? 0
        #expect(afterKill > 0 && afterKill < total, "the kill should land mid-load (stored \(afterKill))")

        let second = try await startServer(conninfo: db.conninfo, port: port)
        defer { second.terminate() }
        let summary = try await bulk(port: port, key: key, body: body)
        #expect(summary.created + summary.duplicate == total)
        let (count, distinct) = try await db.pool.query(
            "SELECT count(*), count(DISTINCT external_id) FROM conversations").first!.decode((Int, Int).self)
        #expect(count == total)
        #expect(distinct == total)
    }
}
