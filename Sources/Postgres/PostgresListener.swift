import CLibPQ
import Dispatch
import Logging

/// A notification received on a channel, or the news that the listener reconnected.
public struct PostgresNotification: Sendable, Equatable {
    /// The channel (empty for `reconnected`).
    public var channel: String
    /// The payload given to `pg_notify`.
    public var payload: String
    /// True for the event sent after a lost connection was re-established: notifications may have
    /// been missed meanwhile, so consumers should look at their tables again.
    public var reconnected: Bool
}

/// `LISTEN` on a dedicated connection, driven by a read source on the libpq socket (no polling).
///
/// Notifications are wake-ups, never the source of truth: the tables are. When the connection drops,
/// the listener reconnects with backoff, listens again and yields a `reconnected` event.
public final class PostgresListener: @unchecked Sendable {
    /// Everything mutable below is confined to this serial queue.
    private let queue = DispatchQueue(label: "parley.postgres.listener")
    private let conninfo: String
    private let channels: [String]
    private let logger: Logger
    private var handle: OpaquePointer?
    private var source: (any DispatchSourceRead)?
    private var stopped = false
    private var retryDelay = 0.1
    private let continuation: AsyncStream<PostgresNotification>.Continuation
    /// The notifications, in arrival order. Iterate it from one task.
    public let notifications: AsyncStream<PostgresNotification>

    private init(conninfo: String, channels: [String], logger: Logger) {
        self.conninfo = conninfo
        self.channels = channels
        self.logger = logger
        (notifications, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(10_000))
    }

    /// Connects and listens on `channels`.
    /// - Throws: `PostgresError` if the first connection fails.
    public static func start(conninfo: String, channels: [String], logger: Logger) async throws -> PostgresListener {
        let listener = PostgresListener(conninfo: conninfo, channels: channels, logger: logger)
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            listener.queue.async { c.resume(with: Result { try listener.connect() }) }
        }
        return listener
    }

    /// Stops listening and finishes the stream.
    public func stop() {
        queue.async {
            self.stopped = true
            self.source?.cancel()
            self.source = nil
            self.continuation.finish()
        }
    }

    private func connect() throws {
        dispatchPrecondition(condition: .onQueue(queue))
        let handle: OpaquePointer? = withCStrings(["dbname", "application_name"]) { k in
            withCStrings([conninfo, "parley-listener"]) { v in PQconnectdbParams(k, v, 1) }
        }
        guard let handle else { throw PostgresError(.connectionFailed, "out of memory") }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = PostgresConnection.errorMessage(handle)
            PQfinish(handle)
            throw PostgresError(.connectionFailed, message)
        }
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        for channel in channels {
            guard let quoted = PQescapeIdentifier(handle, channel, channel.utf8.count) else { continue }
            let sql = "LISTEN " + String(cString: quoted)
            PQfreemem(quoted)
            guard let result = PQexecParams(handle, sql, 0, nil, nil, nil, nil, 0) else { continue }
            let ok = PQresultStatus(result) == PGRES_COMMAND_OK
            PQclear(result)
            if !ok {
                let message = PostgresConnection.errorMessage(handle)
                PQfinish(handle)
                throw PostgresError(.server, message)
            }
        }
        let source = DispatchSource.makeReadSource(fileDescriptor: PQsocket(handle), queue: queue)
        source.setEventHandler { [weak self] in self?.readAvailable() }
        // libpq owns the socket: finish the connection only once the source no longer watches it.
        source.setCancelHandler { PQfinish(handle) }
        self.handle = handle
        self.source = source
        retryDelay = 0.1
        source.resume()
    }

    private func readAvailable() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let handle else { return }
        if PQconsumeInput(handle) == 0 || PQstatus(handle) != CONNECTION_OK {
            connectionLost(PostgresConnection.errorMessage(handle))
            return
        }
        while let notify = PQnotifies(handle) {
            let channel = String(cString: notify.pointee.relname)
            let payload = notify.pointee.extra.map { String(cString: $0) } ?? ""
            PQfreemem(notify)
            continuation.yield(PostgresNotification(channel: channel, payload: payload, reconnected: false))
        }
    }

    private func connectionLost(_ reason: String) {
        dispatchPrecondition(condition: .onQueue(queue))
        logger.warning("listener connection lost; reconnecting", metadata: ["reason": "\(reason)"])
        source?.cancel()
        source = nil
        handle = nil
        scheduleReconnect()
    }

    private func scheduleReconnect() {
        queue.asyncAfter(deadline: .now() + retryDelay) { [weak self] in
            guard let self, !self.stopped else { return }
            do {
                try self.connect()
                self.logger.info("listener reconnected")
                self.continuation.yield(PostgresNotification(channel: "", payload: "", reconnected: true))
            } catch {
                self.retryDelay = min(self.retryDelay * 2, 5)
                self.scheduleReconnect()
            }
        }
    }
}

extension PostgresPool {
    /// Sends a notification (`SELECT pg_notify($1, $2)`); delivered when the surrounding transaction commits.
    public nonisolated func notify(channel: String, payload: String = "") async throws {
        try await query("SELECT pg_notify(\(channel), \(payload))")
    }
}
