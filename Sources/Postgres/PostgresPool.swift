import Logging

/// Settings of a `PostgresPool`.
public struct PostgresPoolConfiguration: Sendable {
    /// libpq connection string or URI.
    public var conninfo: String
    /// Connections opened at start and kept open.
    public var minConnections: Int
    /// The most connections open at once.
    public var maxConnections: Int
    /// How long `withConnection` waits for a free connection before failing with `.poolTimeout`.
    public var acquireTimeout: Duration

    public init(conninfo: String, minConnections: Int = 1, maxConnections: Int = 10, acquireTimeout: Duration = .seconds(10)) {
        self.conninfo = conninfo
        self.minConnections = max(0, minConnections)
        self.maxConnections = max(1, maxConnections)
        self.acquireTimeout = acquireTimeout
    }
}

/// A pool of connections shared by the whole process.
///
/// A connection is checked for health on checkout (a server restart is noticed without a failed query),
/// rolled back or discarded when returned inside a transaction, and replaced when broken. Callers
/// waiting for a connection are suspended on continuations, never on semaphores.
public actor PostgresPool {
    public nonisolated let configuration: PostgresPoolConfiguration
    nonisolated let logger: Logger
    private var idle: [PostgresConnection] = []
    /// Open connections plus those being opened.
    private var total = 0
    private var waiters: [(id: Int, continuation: CheckedContinuation<PostgresConnection, any Error>)] = []
    private var nextID = 0
    private var isShutDown = false

    public init(configuration: PostgresPoolConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Opens `minConnections` connections; fails if the database cannot be reached.
    public func warmUp() async throws {
        var opened: [PostgresConnection] = []
        while total + opened.count < configuration.minConnections {
            opened.append(try await open())
        }
        for connection in opened { release(connection) }
    }

    /// Runs `body` with a connection checked out for its duration.
    ///
    /// A connection returned with a transaction still open is rolled back, or discarded if that fails.
    public nonisolated func withConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await checkout()
        do {
            let value = try await body(connection)
            await checkin(connection)
            return value
        } catch {
            await checkin(connection)
            throw error
        }
    }

    /// Runs `body` inside `BEGIN … COMMIT`; a thrown error rolls the transaction back and is rethrown.
    public nonisolated func withTransaction<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await withConnection { connection in
            try await connection.query("BEGIN")
            do {
                let value = try await body(connection)
                try await connection.query("COMMIT")
                return value
            } catch {
                _ = try? await connection.query("ROLLBACK")
                throw error
            }
        }
    }

    /// Runs one statement on any free connection.
    @discardableResult
    public nonisolated func query(_ query: PostgresQuery) async throws -> PostgresResult {
        try await withConnection { try await $0.query(query) }
    }

    /// Closes idle connections and fails waiters; connections in use close when returned.
    public func shutdown() async {
        isShutDown = true
        for waiter in waiters {
            waiter.continuation.resume(throwing: PostgresError(.poolShutdown, "pool is shut down"))
        }
        waiters.removeAll()
        let closing = idle
        idle.removeAll()
        total -= closing.count
        for connection in closing { await connection.close() }
    }

    /// Numbers for health pages and tests.
    public var statistics: (open: Int, idle: Int, waiting: Int) { (total, idle.count, waiters.count) }

    // MARK: - Checkout and checkin

    private nonisolated func checkout() async throws -> PostgresConnection {
        // A few attempts: each unhealthy idle connection found is discarded and the next one tried.
        while true {
            let connection = try await acquire()
            if await connection.isHealthy() { return connection }
            logger.info("discarding a broken database connection", metadata: ["connection": "\(connection.id)"])
            await discard(connection)
        }
    }

    private nonisolated func checkin(_ connection: PostgresConnection) async {
        if await connection.isBroken() {
            await discard(connection)
            return
        }
        if await connection.isInTransaction() {
            // Returned mid-transaction (a task was cancelled or forgot to commit): roll back.
            let rolledBack = (try? await connection.query("ROLLBACK")) != nil
            let stillOpen = await connection.isInTransaction()
            if !rolledBack || stillOpen {
                await discard(connection)
                return
            }
        }
        await release(connection)
    }

    private func acquire() async throws -> PostgresConnection {
        if isShutDown { throw PostgresError(.poolShutdown, "pool is shut down") }
        if let connection = idle.popLast() { return connection }
        if total < configuration.maxConnections { return try await open() }
        nextID += 1
        let id = nextID
        let timeout = configuration.acquireTimeout
        Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.timeOut(waiter: id)
        }
        return try await withCheckedThrowingContinuation { waiters.append((id, $0)) }
    }

    private func open() async throws -> PostgresConnection {
        total += 1
        nextID += 1
        do {
            return try await PostgresConnection.connect(conninfo: configuration.conninfo, id: nextID, logger: logger)
        } catch {
            total -= 1
            throw error
        }
    }

    private func release(_ connection: PostgresConnection) {
        if isShutDown {
            total -= 1
            Task { await connection.close() }
        } else if !waiters.isEmpty {
            waiters.removeFirst().continuation.resume(returning: connection)
        } else {
            idle.append(connection)
        }
    }

    private func discard(_ connection: PostgresConnection) async {
        total -= 1
        await connection.close()
        // Someone is waiting and there is room again: open a replacement for them.
        guard !waiters.isEmpty, !isShutDown, total < configuration.maxConnections else { return }
        let waiter = waiters.removeFirst()
        do {
            waiter.continuation.resume(returning: try await open())
        } catch {
            waiter.continuation.resume(throwing: error)
        }
    }

    private func timeOut(waiter id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        let waiter = waiters.remove(at: index)
        waiter.continuation.resume(throwing: PostgresError(.poolTimeout, "no database connection became free in time"))
    }
}
