import Foundation
import HTTPServer
import Parley
import Postgres
import TestSupport
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Ingestion under faults: a PostgreSQL restart under load, and the server killed during a bulk load.
@Suite(.serialized) struct ReliabilityTests {
    actor Tally {
        var acknowledged: [String] = []
        var unavailable = 0
        var unavailableWithRetryAfter = 0
        var unexpected: [Int] = []
        var acknowledgedAfterRestart = 0
        func record(_ id: String, _ status: Int, retryAfter: Bool, afterRestart: Bool) {
            switch status {
            case 200, 201:
                acknowledged.append(id)
                if afterRestart { acknowledgedAfterRestart += 1 }
            case 503:
                unavailable += 1
                if retryAfter { unavailableWithRetryAfter += 1 }
            default: unexpected.append(status)
            }
        }
    }

    @Test func postgresRestartMidIngestLosesNothingAcknowledged() async throws {
        let cluster = try await TestPostgres.privateCluster("reliability")
        let pool = PostgresPool(configuration: .init(conninfo: cluster.conninfo(), maxConnections: 8),
                                logger: TestPostgres.logger)
        try await Migrator(migrations: try Migrator.load(directory: TestPostgres.migrationsDirectory),
                           logger: TestPostgres.logger).migrate(on: pool)
        let context = AppContext(configuration: Configuration(),
                                 database: Database(pool: pool, conninfo: cluster.conninfo(), logger: TestPostgres.logger),
                                 logger: TestPostgres.logger)
        let server = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0),
                                router: ParleyService.makeRouter(context: context), logger: TestPostgres.logger)
        let port = try server.start()
        defer { Task { await server.shutdown(deadline: .seconds(1)) } }
        let project = try await ProjectStore(pool: pool).ensure(slug: "r")
        let key = try await context.apiKeys.create(projectID: project).key

        let tally = Tally()
        let restarted = Flag()
        let finished = Flag()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var n = 0
                    while await !finished.value {
                        n += 1
                        let id = "w\(worker)-\(n)"
                        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1/conversations")!)
                        request.httpMethod = "POST"
                        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                        request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
                        request.httpBody = try JSONSerialization.data(withJSONObject: sampleConversation(id: id))
                        guard let (_, response) = try? await URLSession.shared.data(for: request),
                              let http = response as? HTTPURLResponse else { continue }
                        let retry = http.value(forHTTPHeaderField: "Retry-After") != nil
                        await tally.record(id, http.statusCode, retryAfter: retry, afterRestart: await restarted.value)
                        if http.statusCode == 503 { try await Task.sleep(for: .milliseconds(50)) }
                    }
                }
            }
            // Traffic before, during and after the outage. Its phases wait for what they must show (a 503, then a
            // conversation stored after the restart), up to 15 s each, rather than for fixed times: on a loaded
            // machine no request may complete in a fixed 1.5 s outage.
            group.addTask {
                try await Task.sleep(for: .seconds(1.5))
                try await cluster.stop()
                try await Self.waitUntil(seconds: 15) { await tally.unavailable > 0 }
                try await Task.sleep(for: .seconds(0.5))
                try await cluster.start()
                await restarted.set()
                try await Self.waitUntil(seconds: 15) { await tally.acknowledgedAfterRestart > 0 }
                try await Task.sleep(for: .seconds(1))
                await finished.set()
            }
            try await group.waitForAll()
        }
        let acknowledged = await tally.acknowledged
        let unexpected = await tally.unexpected
        let unavailable = await tally.unavailable
        let withRetryAfter = await tally.unavailableWithRetryAfter
        let afterRestart = await tally.acknowledgedAfterRestart
        #expect(unexpected.isEmpty, "only 2xx or 503 are acceptable, got \(unexpected)")
        #expect(unavailable > 0, "the outage should have been visible as 503")
        #expect(withRetryAfter == unavailable)
        #expect(afterRestart > 0, "the service must recover without a restart")
        let stored = try await pool.query(
            "SELECT count(*) FROM conversations WHERE external_id = ANY(\(acknowledged))").first?.decode(0, as: Int.self)
        #expect(stored == acknowledged.count, "every acknowledged conversation is stored")
        await pool.shutdown()
        await TestPostgres.discard(cluster)
    }

    actor Flag {
        var value = false
        func set() { value = true }
    }

    /// Returns once `condition` holds or `seconds` have passed (the expectations then say what was missing).
    static func waitUntil(seconds: Double, _ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while await !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
    }
}
