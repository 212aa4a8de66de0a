import Embeddings
import Foundation
import HTTPServer
import Logging
import Postgres

/// The running service: database, migrations, and (from the HTTP issue on) the web server and workers.
public struct ParleyService: Sendable {
    public let configuration: Configuration
    public let logger: Logger

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// A background worker with every job handler of the service.
    public static func makeWorker(context: AppContext) -> JobWorker {
        JobWorker(pool: context.pool, conninfo: context.database.conninfo, handlers: context.jobHandlers(),
                  logger: context.logger)
    }

    /// Runs workers without the HTTP server (`parley worker`) until SIGTERM/SIGINT.
    public func runWorkers(count: Int) async throws {
        MemoryTuning.apply()
        let database = try await Database.openMigrated(configuration: configuration, logger: logger)
        let context = AppContext(configuration: configuration, database: database, logger: logger)
        let workers = (0..<max(1, count)).map { _ in Self.makeWorker(context: context) }
        let running = workers.map { worker in Task { try await worker.run() } }
        let schedule = VersionJobs.startSchedule(context: context)
        defer { schedule?.cancel() }
        await Self.catchUp(context: context)
        logger.notice("Parley workers are running", metadata: ["workers": "\(workers.count)"])
        _ = await TerminationSignal.wait()
        for worker in workers { await worker.stop() }
        for task in running { _ = await task.result }
        await database.close()
    }

    /// Queues the background work a start needs (a changed embedding model, conversations left unindexed).
    static func catchUp(context: AppContext) async {
        do {
            let model = try EmbedderConfiguration(modelName: context.configuration.embedder).model.modelID
            try await context.embeddingScheduler.catchUp(model: model, pool: context.pool)
        } catch {
            context.logger.warning("could not queue background catch-up work", metadata: ["error": "\(error)"])
        }
    }

    /// Every route of the service.
    public static func makeRouter(context: AppContext) -> Router {
        var router = Router()
        router.use(RequestLogMiddleware(logger: context.logger))
        router.use(SecurityHeadersMiddleware())
        router.use(ProblemMiddleware(logger: context.logger))
        HealthRoutes.register(on: &router, database: context.database)
        IngestRoutes.register(on: &router, context: context)
        TraceRoutes.register(on: &router, context: context)
        JobRoutes.register(on: &router, context: context)
        SimilarRoutes.register(on: &router, context: context)
        ClusterRoutes.register(on: &router, context: context)
        RuleRoutes.register(on: &router, context: context)
        IntentRoutes.register(on: &router, context: context)
        TriageRoutes.register(on: &router, context: context)
        ExportRoutes.register(on: &router, context: context)
        VersionRoutes.register(on: &router, context: context)
        ReplayRoutes.register(on: &router, context: context)
        router.get("/api/openapi.json") { _ in
            Response(status: .ok, headers: ["Content-Type": "application/json", "Cache-Control": "public, max-age=300"],
                     body: .bytes(Array(OpenAPIDocument.json.utf8)))
        }
        // The dashboard (HTML pages, sessions, static files); pages of later features register with `dashboard`.
        let dashboard = Dashboard(context: context)
        dashboard.register(on: &router)
        ClusterPages.register(on: &router, dashboard: dashboard)
        JobPages.register(on: &router, dashboard: dashboard)
        IntentPages.register(on: &router, dashboard: dashboard)
        TriagePages.register(on: &router, dashboard: dashboard)
        ImportPages.register(on: &router, dashboard: dashboard)
        SettingsPages.register(on: &router, dashboard: dashboard)
        ComparePages.register(on: &router, dashboard: dashboard)
        ReplayPages.register(on: &router, dashboard: dashboard)
        return router
    }

    /// Opens the database, migrates it, serves until SIGTERM/SIGINT, then shuts down cleanly.
    public func run() async throws {
        MemoryTuning.apply()
        let database = try await Database.openMigrated(configuration: configuration, logger: logger)
        var http = HTTPServerConfiguration(host: configuration.host, port: configuration.port)
        http.reusePort = true
        let context = AppContext(configuration: configuration, database: database, logger: logger)
        let server = HTTPServer(configuration: http, router: Self.makeRouter(context: context), logger: logger)
        let port: Int
        do {
            port = try server.start()
        } catch {
            await database.close()
            throw error
        }
        let where_ = configuration.databaseURL == nil ? "embedded PostgreSQL in \(configuration.home)" : "DATABASE_URL"
        logger.notice("Parley is ready", metadata: ["url": "http://\(configuration.host):\(port)/", "database": "\(where_)"])
        let workers = (0..<configuration.workers).map { _ in Self.makeWorker(context: context) }
        let running = workers.map { worker in Task { try await worker.run() } }
        let schedule = workers.isEmpty ? nil : VersionJobs.startSchedule(context: context)
        defer { schedule?.cancel() }
        if !workers.isEmpty { await Self.catchUp(context: context) }
        let signal = await TerminationSignal.wait()
        logger.notice("shutting down", metadata: ["signal": "\(signal)"])
        await server.shutdown(deadline: .seconds(10))
        for worker in workers { await worker.stop() }
        for task in running { _ = await task.result }
        await database.close()
    }
}
