/// Keep-alive, pipelining, timeout and shutdown rules of one connection, as a pure state machine.
///
/// The connection feeds it events with the current monotonic time in nanoseconds and acts on what it returns;
/// no sockets or clocks here, so tests drive it with an injected clock. One request is in flight at a time:
/// pipelined requests wait in the parser's buffer until the previous response is flushed (RFC 9112 §9.3.2).
struct ConnectionStateMachine {
    /// Timeouts in nanoseconds and the per-connection request cap.
    struct Configuration: Equatable {
        var headTimeout: UInt64
        var bodyIdleTimeout: UInt64
        var keepAliveTimeout: UInt64
        var writeStallTimeout: UInt64
        var lingerTimeout: UInt64 = 2_000_000_000
        var maxRequestsPerConnection: Int
    }

    /// Where the connection is in its request/response cycle.
    enum Phase: Equatable {
        /// Between requests, nothing buffered; the keep-alive timeout runs.
        case idle
        /// Some bytes of a head arrived; the head deadline runs from the first one.
        case readingHead
        /// The head was handled and content is being read; the body idle timeout runs.
        case readingBody
        /// The whole request is in; reading is paused until the response is flushed.
        case responding
        /// The response was sent with `Connection: close`; input is drained briefly before closing.
        case lingering
        /// Closed; nothing else happens.
        case closed
    }

    /// What to do when the timer fires.
    enum TimerAction: Equatable {
        /// Nothing expired (the deadline moved); reschedule to `deadline`.
        case none
        /// Close without a response: idle keep-alive, write stall, or end of lingering.
        case close
        /// Answer `408 Request Timeout` and close (RFC 9110 §15.5.9).
        case requestTimeout
    }

    /// What to do once a response has been flushed.
    enum CompletionAction: Equatable {
        case close
        case readNext
    }

    let configuration: Configuration
    private(set) var phase = Phase.idle
    private(set) var requestCount = 0
    /// Whether the current exchange may be followed by another request.
    private(set) var keepAlive = true
    private(set) var isDraining = false
    private(set) var bodyComplete = true
    private(set) var responseStarted = false
    /// The handler stopped taking request content (backpressure), so the connection stopped reading it.
    private(set) var bodyConsumerPaused = false
    private var phaseDeadline: UInt64?
    private var writeDeadline: UInt64?

    /// Creates the machine for a freshly accepted connection.
    init(configuration: Configuration, now: UInt64) {
        self.configuration = configuration
        phaseDeadline = now + configuration.keepAliveTimeout
    }

    /// The earliest moment something times out, or `nil`.
    var deadline: UInt64? {
        switch (phaseDeadline, writeDeadline) {
        case (let phase?, let write?): min(phase, write)
        case (let phase?, nil): phase
        case (nil, let write?): write
        case (nil, nil): nil
        }
    }

    /// Whether the connection should be reading from the socket.
    var wantsRead: Bool {
        switch phase {
        case .idle, .readingHead, .readingBody, .lingering: true
        case .responding, .closed: false
        }
    }

    /// Bytes arrived from the peer.
    mutating func bytesReceived(now: UInt64) {
        switch phase {
        case .idle:
            // Slowloris defence: the head deadline starts at the first byte and is never extended by later reads.
            phase = .readingHead
            phaseDeadline = now + configuration.headTimeout
        case .readingBody:
            // Paused by our own handler: the idle clock restarts only when reading resumes.
            if !bodyConsumerPaused { phaseDeadline = now + configuration.bodyIdleTimeout }
        case .readingHead, .responding, .lingering, .closed:
            break
        }
    }

    /// A complete head was parsed and dispatched. Returns whether the connection may persist after it.
    mutating func headReceived(clientWantsKeepAlive: Bool, hasBody: Bool, now: UInt64) -> Bool {
        requestCount += 1
        keepAlive = clientWantsKeepAlive && !isDraining && requestCount < configuration.maxRequestsPerConnection
        bodyComplete = !hasBody
        responseStarted = false
        bodyConsumerPaused = false
        if hasBody {
            phase = .readingBody
            phaseDeadline = now + configuration.bodyIdleTimeout
        } else {
            phase = .responding
            phaseDeadline = nil
        }
        return keepAlive
    }

    /// The handler's body buffer is full and the connection stopped reading content.
    ///
    /// The body idle timeout guards against a slow *peer*; while the server itself is not reading (a handler busy
    /// with earlier chunks, or not yet scheduled on a loaded cooperative pool) the peer cannot make progress, so
    /// the timeout is suspended instead of answering 408 to a request that is being served.
    mutating func bodyConsumerDidPause() {
        guard phase == .readingBody else { return }
        bodyConsumerPaused = true
        phaseDeadline = nil
    }

    /// The handler drained its body buffer; reading resumes and the body idle timeout restarts from `now`.
    mutating func bodyConsumerDidResume(now: UInt64) {
        guard bodyConsumerPaused else { return }
        bodyConsumerPaused = false
        if phase == .readingBody { phaseDeadline = now + configuration.bodyIdleTimeout }
    }

    /// The request content ended; reading pauses until the response is flushed.
    mutating func bodyCompleted() {
        bodyComplete = true
        bodyConsumerPaused = false
        if phase == .readingBody {
            phase = .responding
            phaseDeadline = nil
        }
    }

    /// The response head is about to be written. Returns whether it must announce `Connection: close`.
    ///
    /// - Parameter closeRequested: the response itself asked to close.
    mutating func responseWillStart(closeRequested: Bool) -> Bool {
        responseStarted = true
        // RFC 9112 §9.6: content not yet read would be parsed as the next request: close instead.
        if closeRequested || !bodyComplete { keepAlive = false }
        return !keepAlive
    }

    /// A send hit EAGAIN; the write-stall timeout starts unless already running.
    mutating func writeBlocked(now: UInt64) {
        if writeDeadline == nil { writeDeadline = now + configuration.writeStallTimeout }
    }

    /// Some or all pending bytes were sent.
    mutating func writeProgressed(now: UInt64, drained: Bool) {
        writeDeadline = drained ? nil : now + configuration.writeStallTimeout
    }

    /// The response was fully flushed.
    mutating func responseCompleted(now: UInt64, hasBufferedBytes: Bool) -> CompletionAction {
        guard phase != .closed else { return .close }
        responseStarted = false
        guard keepAlive, bodyComplete else { return .close }
        if hasBufferedBytes {
            // A pipelined request is already waiting: its head deadline starts now.
            phase = .readingHead
            phaseDeadline = now + configuration.headTimeout
        } else {
            phase = .idle
            phaseDeadline = now + configuration.keepAliveTimeout
        }
        return .readNext
    }

    /// The connection half-closes and discards input for a moment so the peer can read the final response.
    mutating func startLingering(now: UInt64) {
        phase = .lingering
        phaseDeadline = now + configuration.lingerTimeout
        writeDeadline = nil
    }

    /// The peer closed its side. Returns whether to close now.
    mutating func peerClosed() -> Bool {
        switch phase {
        case .responding:
            // The request is complete: answer it, then close.
            keepAlive = false
            return false
        case .idle, .readingHead, .readingBody, .lingering, .closed:
            phase = .closed
            return true
        }
    }

    /// Graceful shutdown began. Returns whether to close now (nothing in flight).
    mutating func shutdownRequested() -> Bool {
        isDraining = true
        keepAlive = false
        switch phase {
        case .idle, .readingHead, .lingering, .closed:
            // RFC 9112 §9.5: idle connections may be closed at any time; a partial head is not yet a request.
            phase = .closed
            return true
        case .readingBody, .responding:
            return false
        }
    }

    /// The timer fired at `now`.
    mutating func timerFired(now: UInt64) -> TimerAction {
        if let writeDeadline, now >= writeDeadline {
            phase = .closed
            return .close
        }
        guard let phaseDeadline, now >= phaseDeadline else { return .none }
        switch phase {
        case .readingHead:
            phase = .closed
            return .requestTimeout
        case .readingBody:
            phase = .closed
            return responseStarted ? .close : .requestTimeout
        case .idle, .lingering:
            phase = .closed
            return .close
        case .responding, .closed:
            self.phaseDeadline = nil
            return .none
        }
    }

    /// The connection closed for any reason.
    mutating func closed() {
        phase = .closed
        phaseDeadline = nil
        writeDeadline = nil
    }
}
