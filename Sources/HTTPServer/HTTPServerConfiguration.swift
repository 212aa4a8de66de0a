#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Settings of an `HTTPServer`: where it listens, how much it accepts, and when it gives up on a peer.
public struct HTTPServerConfiguration: Sendable {
    /// Size limits on requests.
    public struct Limits: Sendable {
        /// Longest request line in bytes (414 beyond, RFC 9112 §3).
        public var maxRequestLineLength = 8 * 1024
        /// Largest header section in bytes (431 beyond).
        public var maxHeaderBytes = 64 * 1024
        /// Most header fields (431 beyond).
        public var maxHeaderCount = 100
        /// Content limit for routes that do not set their own (413 beyond); also caps inflated gzip content.
        public var defaultBodyLimit = 10 * 1024 * 1024
        /// Creates the default limits.
        public init() {}
    }

    /// How long the server waits for a peer.
    public struct Timeouts: Sendable {
        /// Deadline for a whole request head, from its first byte; never extended by further reads.
        public var requestHead: Duration = .seconds(10)
        /// Longest pause between two reads of request content.
        public var bodyIdle: Duration = .seconds(30)
        /// How long an idle keep-alive connection is kept open.
        public var keepAliveIdle: Duration = .seconds(60)
        /// Longest time a response may make no progress because the peer does not read.
        public var writeStall: Duration = .seconds(30)
        /// Creates the default timeouts.
        public init() {}
    }

    /// Response compression.
    public struct Gzip: Sendable {
        /// Whether responses may be gzip-compressed when the client accepts it.
        public var enabled = true
        /// Smallest body worth compressing, in bytes.
        public var minimumSize = 1024
        /// zlib level 1 (fast) to 9 (small).
        public var level: Int32 = 5
        /// Media type prefixes that compress well; others are sent as they are.
        public var compressibleTypes = [
            "text/", "application/json", "application/problem+json", "application/javascript",
            "application/x-ndjson", "application/xml", "image/svg+xml",
        ]
        /// Creates the default gzip settings.
        public init() {}
    }

    /// Interface to bind; `0.0.0.0` or `::` for all.
    public var host = "127.0.0.1"
    /// Port to bind; 0 picks a free one (see `HTTPServer.start()`).
    public var port = 8080
    /// Sets `SO_REUSEPORT` so several processes can share the port.
    public var reusePort = false
    /// `listen(2)` backlog.
    public var backlog: Int32 = 1024
    /// Connections served at once; more are answered `503` and closed.
    public var maxConnections = 10_000
    /// Requests served on one connection before it is closed.
    public var maxRequestsPerConnection = 10_000
    /// Number of serial queues connections are sharded over.
    public var queueCount = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    /// Request size limits.
    public var limits = Limits()
    /// Peer timeouts.
    public var timeouts = Timeouts()
    /// Response compression.
    public var gzip = Gzip()

    /// Creates a configuration; every setting has a production default.
    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }

    var parserLimits: HTTPRequestParser.Limits {
        HTTPRequestParser.Limits(
            maxRequestLineLength: limits.maxRequestLineLength, maxHeaderBytes: limits.maxHeaderBytes,
            maxHeaderCount: limits.maxHeaderCount)
    }

    var stateMachineConfiguration: ConnectionStateMachine.Configuration {
        ConnectionStateMachine.Configuration(
            headTimeout: timeouts.requestHead.nanoseconds, bodyIdleTimeout: timeouts.bodyIdle.nanoseconds,
            keepAliveTimeout: timeouts.keepAliveIdle.nanoseconds, writeStallTimeout: timeouts.writeStall.nanoseconds,
            maxRequestsPerConnection: maxRequestsPerConnection)
    }
}

extension Duration {
    /// Whole nanoseconds, clamped to zero.
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }
}
