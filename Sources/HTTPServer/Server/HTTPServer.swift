import CShim
import Dispatch
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An HTTP/1.1 server on Dispatch sockets.
///
/// ```swift
/// var router = Router()
/// router.use(RequestLogMiddleware(logger: logger))          // outermost: sees final statuses
/// router.use(SecurityHeadersMiddleware())
/// router.use(FileMiddleware(directory: "Public", urlPrefix: "/static"))
/// router.get("/healthz") { _ in Response(text: "ok") }
/// router.post("/api/v1/import", bodyLimit: 1 << 30) { request in
///     for try await chunk in request.body { … }             // streamed upload, gzip inflated on the fly
///     return Response(status: .accepted)
/// }
/// router.get("/api/v1/export") { _ in
///     .stream(contentType: "application/x-ndjson") { writer in try await writer.write(line) }
/// }
/// let server = HTTPServer(configuration: HTTPServerConfiguration(host: "0.0.0.0", port: 8080),
///                         router: router, logger: logger)
/// server.installShutdownSignalHandlers()   // SIGTERM / SIGINT drain the server
/// try await server.run()                    // returns after shutdown
/// ```
///
/// Errors conforming to `HTTPResponseError` render their own response; any other error becomes a 500
/// that shows only the request id.
public final class HTTPServer: Sendable {
    private struct Lifecycle {
        var listener: Listener?
        var port: Int?
        var stopped = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var signalSources: [any DispatchSourceSignal] = []
    }

    private let core: ServerCore
    private let lifecycle = Mutex(Lifecycle())

    /// Creates a server; nothing is bound until `start()` or `run()`.
    public init(
        configuration: HTTPServerConfiguration = HTTPServerConfiguration(), router: Router,
        logger: Logger = Logger(label: "http")
    ) {
        core = ServerCore(configuration: configuration, router: router, logger: logger)
    }

    /// The bound port once started (useful with port 0), else `nil`.
    public var port: Int? { lifecycle.withLock { $0.port } }

    /// Connections currently open.
    public var connectionCount: Int { core.connectionCount.load(ordering: .relaxed) }

    /// Binds, listens and starts accepting.
    /// - Returns: the bound port (the kernel's choice when the configured port is 0).
    /// - Throws: `HTTPServerError` when the address cannot be bound or the server was started before.
    @discardableResult
    public func start() throws -> Int {
        try lifecycle.withLock { state in
            guard state.listener == nil, !state.stopped else { throw HTTPServerError.alreadyStarted }
            // Peers that vanish must not kill the process; sends also pass MSG_NOSIGNAL.
            cshim_ignore_sigpipe()
            let configuration = core.configuration
            let (fd, port) = try ListeningSocket.bind(
                host: configuration.host, port: configuration.port, reusePort: configuration.reusePort,
                backlog: configuration.backlog)
            let listener = Listener(fd: fd, core: core)
            listener.start()
            state.listener = listener
            state.port = port
            core.logger.info("listening", metadata: ["host": "\(configuration.host)", "port": "\(port)"])
            return port
        }
    }

    /// Starts if needed, then waits until `shutdown` has finished.
    public func run() async throws {
        if port == nil { try start() }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = lifecycle.withLock { state in
                if state.stopped { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Graceful shutdown: stop accepting, close idle connections, let in-flight requests finish
    /// (their responses carry `Connection: close`), and close whatever remains at `deadline`.
    /// - Parameter deadline: how long in-flight requests get.
    public func shutdown(deadline: Duration = .seconds(10)) async {
        let listener: Listener? = lifecycle.withLock { state in
            defer { state.listener = nil }
            return state.listener
        }
        core.isDrainingFlag.store(true, ordering: .releasing)
        listener?.stop()
        for shard in core.shards {
            shard.queue.async {
                for connection in shard.connections.values { connection.beginShutdown() }
            }
        }
        let clock = ContinuousClock()
        let end = clock.now + deadline
        while core.connectionCount.load(ordering: .acquiring) > 0 && clock.now < end {
            try? await Task.sleep(for: .milliseconds(10))
        }
        let remaining = core.connectionCount.load(ordering: .acquiring)
        if remaining > 0 {
            core.logger.warning("shutdown deadline reached; closing connections", metadata: ["open": "\(remaining)"])
            for shard in core.shards {
                shard.queue.async {
                    for connection in shard.connections.values { connection.close() }
                }
            }
            let hardEnd = clock.now + .seconds(2)
            while core.connectionCount.load(ordering: .acquiring) > 0 && clock.now < hardEnd {
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        let waiters = lifecycle.withLock { state in
            state.stopped = true
            state.signalSources.forEach { $0.cancel() }
            state.signalSources = []
            defer { state.waiters = [] }
            return state.waiters
        }
        core.logger.info("stopped")
        for waiter in waiters { waiter.resume() }
    }

    /// Makes SIGTERM and SIGINT start `shutdown(deadline:)` instead of killing the process.
    /// - Parameter deadline: passed to `shutdown`.
    public func installShutdownSignalHandlers(deadline: Duration = .seconds(10)) {
        let queue = DispatchQueue(label: "http.signals")
        lifecycle.withLock { state in
            for signalNumber in [SIGTERM, SIGINT] {
                // The default disposition would end the process before the source sees the signal.
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
                source.setEventHandler { [self] in
                    core.logger.info("signal received; shutting down", metadata: ["signal": "\(signalNumber)"])
                    Task { await self.shutdown(deadline: deadline) }
                }
                source.resume()
                state.signalSources.append(source)
            }
        }
    }
}
