import Dispatch
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One accepted socket: reads requests, hands them to Swift concurrency, writes responses back in order.
///
/// `@unchecked Sendable`: confined to `shard.queue`. Every entry point checks that with `dispatchPrecondition`;
/// tasks hop back with `shard.queue.async`. Protocol decisions live in `ConnectionStateMachine`; this class
/// only does the I/O. fd lifetime: the fd is closed only in the read source's cancel handler, after any write
/// source was cancelled (ARCHITECTURE.md, "fd lifetime").
final class Connection: @unchecked Sendable {
    /// The request being answered.
    struct Exchange {
        let method: HTTPMethod
        let minorVersion: Int
    }

    let id: UInt64
    let fd: Int32
    let shard: Shard
    let core: ServerCore
    /// The peer's IP address, for logs and rate limits.
    let remoteAddress: String?
    var parser: HTTPRequestParser
    var machine: ConnectionStateMachine
    var readSource: (any DispatchSourceRead)?
    var readSuspended = false
    var writeSource: (any DispatchSourceWrite)?
    var timer: (any DispatchSourceTimer)?
    var scheduledDeadline: UInt64?
    var outbound: [UInt8] = []
    var outboundSent = 0
    var writeWaiters: [CheckedContinuation<Void, any Error>] = []
    var completeOnDrain = false
    var bodyStream: RequestBodyStream?
    var bodyPaused = false
    var awaitingEnd = false
    var inputFailed = false
    var exchange: Exchange?
    var isClosed = false

    /// Streamed responses may run this far ahead of the socket before `write` suspends.
    static let writeHighWatermark = 256 * 1024

    init(fd: Int32, peer: sockaddr_storage, shard: Shard, core: ServerCore) {
        self.id = core.makeConnectionID()
        self.fd = fd
        remoteAddress = Self.describe(peer)
        self.shard = shard
        self.core = core
        parser = HTTPRequestParser(limits: core.configuration.parserLimits)
        machine = ConnectionStateMachine(configuration: core.configuration.stateMachineConfiguration, now: Self.now())
    }

    /// The numeric host of an IPv4 or IPv6 socket address.
    static func describe(_ address: sockaddr_storage) -> String? {
        var address = address
        let family = Int32(address.ss_family)
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let result: UnsafePointer<CChar>? = withUnsafePointer(to: &address) { pointer in
            switch family {
            case AF_INET:
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4 in
                    withUnsafePointer(to: ipv4.pointee.sin_addr) {
                        inet_ntop(AF_INET, $0, &text, socklen_t(text.count))
                    }
                }
            case AF_INET6:
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { ipv6 in
                    withUnsafePointer(to: ipv6.pointee.sin6_addr) {
                        inet_ntop(AF_INET6, $0, &text, socklen_t(text.count))
                    }
                }
            default:
                nil
            }
        }
        guard result != nil else { return nil }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The monotonic clock the state machine runs on.
    static func now() -> UInt64 {
        DispatchTime.now().uptimeNanoseconds
    }

    /// Registers the connection and starts reading.
    func start() {
        dispatchPrecondition(condition: .onQueue(shard.queue))
        shard.connections[id] = self
        let read = DispatchSource.makeReadSource(fileDescriptor: fd, queue: shard.queue)
        read.setEventHandler { [self] in onReadable() }
        read.setCancelHandler { [self] in
            // The only place the fd is closed: no source refers to it any more.
            _ = Glibc.close(fd)
            shard.connections[id] = nil
            readSource = nil
            core.connectionClosed()
        }
        readSource = read
        let timer = DispatchSource.makeTimerSource(queue: shard.queue)
        timer.setEventHandler { [self] in onTimer() }
        timer.schedule(deadline: .distantFuture)
        self.timer = timer
        timer.resume()
        read.resume()
        if core.isDraining {
            close()
            return
        }
        updateTimer()
    }

    /// Graceful shutdown: close now if idle, otherwise after the current response.
    func beginShutdown() {
        dispatchPrecondition(condition: .onQueue(shard.queue))
        guard !isClosed else { return }
        if machine.shutdownRequested() { close() }
    }

    /// Closes at once, abandoning any request in flight.
    func close() {
        dispatchPrecondition(condition: .onQueue(shard.queue))
        guard !isClosed else { return }
        isClosed = true
        machine.closed()
        exchange = nil
        completeOnDrain = false
        bodyStream?.finish(throwing: ConnectionClosedError())
        bodyStream = nil
        let waiters = writeWaiters
        writeWaiters = []
        for waiter in waiters { waiter.resume(throwing: ConnectionClosedError()) }
        timer?.cancel()
        timer = nil
        if let writeSource {
            // Cancel the write source first; the read source's cancel handler then closes the fd.
            self.writeSource = nil
            writeSource.setCancelHandler { [self] in cancelReadSource() }
            writeSource.cancel()
        } else {
            cancelReadSource()
        }
    }

    private func cancelReadSource() {
        guard let readSource else { return }
        // A suspended source must be resumed before it is cancelled, or its cancel handler never runs.
        if readSuspended {
            readSuspended = false
            readSource.resume()
        }
        readSource.cancel()
    }

    /// Reads only when the state machine wants input and the request body consumer keeps up.
    func updateReadInterest() {
        guard !isClosed, let readSource else { return }
        let wanted =
            machine.wantsRead
            && (machine.phase == .lingering || (!inputFailed && !(bodyPaused && machine.phase == .readingBody)))
        if wanted && readSuspended {
            readSuspended = false
            readSource.resume()
        } else if !wanted && !readSuspended {
            readSuspended = true
            readSource.suspend()
        }
    }

    /// Schedules the timer for the machine's deadline; a later deadline is picked up lazily when it fires.
    func updateTimer() {
        guard !isClosed, let deadline = machine.deadline else { return }
        if let scheduledDeadline, scheduledDeadline <= deadline { return }
        scheduledDeadline = deadline
        timer?.schedule(deadline: DispatchTime(uptimeNanoseconds: deadline), leeway: .milliseconds(20))
    }

    private func onTimer() {
        dispatchPrecondition(condition: .onQueue(shard.queue))
        scheduledDeadline = nil
        guard !isClosed else { return }
        switch machine.timerFired(now: Self.now()) {
        case .none:
            updateTimer()
        case .close:
            core.logger.debug("connection timed out", metadata: ["connection": "\(id)"])
            close()
        case .requestTimeout:
            core.logger.debug("request timed out", metadata: ["connection": "\(id)"])
            exchange = nil
            bodyStream?.finish(throwing: HTTPError(.requestTimeout))
            bodyStream = nil
            writeErrorResponse(.requestTimeout)
            flush()
            close()
        }
    }
}
