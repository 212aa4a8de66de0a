import CLibPQ
import Dispatch
import Glibc
import Logging

/// One libpq connection, confined to its own serial queue.
///
/// libpq blocks and a `PGconn` must be used by one thread at a time, so every call on `handle` runs on
/// `queue` (checked with `dispatchPrecondition`) and the async methods resume from there. Nothing here
/// ever runs libpq on the cooperative thread pool.
public final class PostgresConnection: @unchecked Sendable {
    /// The serial queue that owns `handle`.
    let queue: DispatchQueue
    /// Confined to `queue`.
    private var handle: OpaquePointer?
    /// Set (on `queue`) once the connection is known to be unusable.
    private var broken = false
    let logger: Logger
    /// A number for logs.
    public let id: Int

    private init(handle: OpaquePointer, queue: DispatchQueue, id: Int, logger: Logger) {
        self.handle = handle
        self.queue = queue
        self.id = id
        self.logger = logger
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    /// Opens a connection.
    /// - Parameter conninfo: a libpq connection string or URI (`postgresql://…` or `host=/path dbname=x`).
    /// - Throws: `PostgresError` with code `.connectionFailed`.
    public static func connect(conninfo: String, id: Int = 0, logger: Logger) async throws -> PostgresConnection {
        let queue = DispatchQueue(label: "parley.postgres.\(id)")
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try open(conninfo: conninfo, queue: queue, id: id, logger: logger) })
            }
        }
    }

    private static func open(conninfo: String, queue: DispatchQueue, id: Int, logger: Logger) throws -> PostgresConnection {
        dispatchPrecondition(condition: .onQueue(queue))
        // Options go as expanded keywords so a URI and a key=value string both work.
        let keys = ["dbname", "application_name", "client_encoding", "connect_timeout"]
        let values = [conninfo, "parley", "UTF8", "10"]
        let handle: OpaquePointer? = withCStrings(keys) { k in
            withCStrings(values) { v in PQconnectdbParams(k, v, 1) }
        }
        guard let handle else { throw PostgresError(.connectionFailed, "out of memory") }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = errorMessage(handle)
            PQfinish(handle)
            throw PostgresError(.connectionFailed, message)
        }
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        return PostgresConnection(handle: handle, queue: queue, id: id, logger: logger)
    }

    /// Runs one statement with bound parameters and returns its rows (binary format).
    /// - Throws: `PostgresError` (`.server` with SQLSTATE, `.connectionClosed`, `.badParameters`).
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresResult {
        let (sql, binds) = query.render()
        return try await onQueue { try self.execute(sql: sql, binds: binds) }
    }

    /// Runs a trusted multi-statement script (a migration file) with the simple query protocol.
    ///
    /// Never pass text that contains input: it takes no parameters by design.
    public func executeScript(_ sql: String) async throws {
        try await onQueue {
            let handle = try self.usableHandle()
            guard let result = PQexec(handle, sql) else { throw self.failure(query: nil) }
            defer { PQclear(result) }
            try self.check(result, query: String(sql.prefix(200)))
        }
    }

    /// Checks, without blocking, that the server has not closed the connection and no transaction is open.
    public func isHealthy() async -> Bool {
        (try? await onQueue { () -> Bool in
            guard let handle = self.handle, !self.broken, PQstatus(handle) == CONNECTION_OK else { return false }
            // libpq sockets are non-blocking: this reads whatever arrived (such as the server's
            // "terminating connection" message on shutdown). The end of the stream may only show on a
            // second read, so read again while poll says the socket is readable.
            var reads = 0
            repeat {
                guard PQconsumeInput(handle) != 0, PQstatus(handle) == CONNECTION_OK else {
                    self.broken = true
                    return false
                }
                reads += 1
            } while reads < 4 && Self.isReadable(PQsocket(handle))
            if PQisBusy(handle) != 0 { return false }
            return PQtransactionStatus(handle) == PQTRANS_IDLE
        }) ?? false
    }

    /// True when a transaction is open (or failed) on this connection.
    public func isInTransaction() async -> Bool {
        (try? await onQueue { () -> Bool in
            guard let handle = self.handle else { return false }
            let status = PQtransactionStatus(handle)
            return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
        }) ?? false
    }

    /// True once the connection is known to be unusable; the pool discards it.
    public func isBroken() async -> Bool {
        (try? await onQueue { self.broken || self.handle.map { PQstatus($0) != CONNECTION_OK } ?? true }) ?? true
    }

    /// Closes the connection.
    public func close() async {
        _ = try? await onQueue {
            if let handle = self.handle { PQfinish(handle) }
            self.handle = nil
            self.broken = true
        }
    }

    // MARK: - On the queue

    /// Runs `body` on the connection's queue and resumes with its result.
    func onQueue<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    func usableHandle() throws -> OpaquePointer {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let handle, !broken, PQstatus(handle) == CONNECTION_OK else {
            broken = true
            throw PostgresError(.connectionClosed, "connection is closed")
        }
        return handle
    }

    func execute(sql: String, binds: [PostgresBind]) throws -> PostgresResult {
        let handle = try usableHandle()
        let result = withParameters(binds) { types, values, lengths, formats in
            PQexecParams(handle, sql, Int32(binds.count), types, values, lengths, formats, 1)
        }
        guard let result else { throw failure(query: sql) }
        do {
            try check(result, query: sql)
        } catch {
            PQclear(result)
            throw error
        }
        return PostgresResult(handle: result, query: sql)
    }

    /// Throws the server's error unless `result` succeeded.
    func check(_ result: OpaquePointer, query: String?) throws {
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_COPY_IN, PGRES_EMPTY_QUERY:
            return
        default:
            throw serverError(result, query: query)
        }
    }

    func serverError(_ result: OpaquePointer, query: String?) -> PostgresError {
        func field(_ code: Character) -> String? {
            PQresultErrorField(result, Int32(code.asciiValue ?? 0)).map { String(cString: $0) }
        }
        let message = field("M") ?? errorMessage()
        let sqlState = field("C")
        if let handle, PQstatus(handle) != CONNECTION_OK {
            broken = true
            return PostgresError(.connectionClosed, message, sqlState: sqlState, query: query)
        }
        // 08P01 with the connection still up: the statement and its parameters do not fit together.
        let code: PostgresError.Code = sqlState == "08P01" ? .badParameters : .server
        return PostgresError(code, message, sqlState: sqlState, detail: field("D"), query: query)
    }

    func failure(query: String?) -> PostgresError {
        if let handle, PQstatus(handle) != CONNECTION_OK { broken = true }
        return PostgresError(broken ? .connectionClosed : .server, errorMessage(), query: query)
    }

    func errorMessage() -> String {
        handle.map { Self.errorMessage($0) } ?? "connection is closed"
    }

    /// True when `poll` reports data, an error or a hang-up on the socket right now.
    static func isReadable(_ fd: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) > 0 && entry.revents != 0
    }

    static func errorMessage(_ handle: OpaquePointer) -> String {
        guard let message = PQerrorMessage(handle) else { return "unknown error" }
        let text = String(cString: message)
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }
}
