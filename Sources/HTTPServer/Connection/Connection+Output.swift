import Dispatch
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Connection {
    /// A handler's response is back on the connection's queue: write it, head and body in one send.
    func send(_ response: Response) {
        dispatchPrecondition(condition: .onQueue(shard.queue))
        guard !isClosed, let exchange else { return }
        let status = response.status
        let hasContent = status.allowsContent && exchange.method != .head
        var closeRequested = response.headers.containsToken("close", in: "Connection")
        switch response.body {
        case .bytes(let body):
            let close = machine.responseWillStart(closeRequested: closeRequested)
            outbound.reserveCapacity(outbound.count + 256 + (hasContent ? body.count : 0))
            // RFC 9110 §8.6: HEAD gets the Content-Length the GET would have had; 204/304 get none.
            let framing: ResponseHead.Framing = status.allowsContent ? .length(body.count) : .none
            ResponseHead.write(
                status: status, headers: response.headers, framing: framing, close: close,
                minorVersion: exchange.minorVersion, dateLine: shard.dateHeaderLine(), into: &outbound)
            if hasContent { outbound += body }
            completeOnDrain = true
            flush()
        case .stream(let produce):
            let chunked = exchange.minorVersion >= 1
            if hasContent && !chunked { closeRequested = true }
            let close = machine.responseWillStart(closeRequested: closeRequested)
            let framing: ResponseHead.Framing =
                !status.allowsContent ? .none : (chunked ? .chunked : .closeDelimited)
            ResponseHead.write(
                status: status, headers: response.headers, framing: framing, close: close,
                minorVersion: exchange.minorVersion, dateLine: shard.dateHeaderLine(), into: &outbound)
            guard hasContent else {
                completeOnDrain = true
                flush()
                return
            }
            flush()
            let writer = ResponseBodyWriter(sink: StreamSink(connection: self, chunked: chunked))
            Task {
                do {
                    try await produce(writer)
                    try await writer.sink.write([])
                } catch {
                    self.shard.queue.async { self.abortStream(error) }
                }
            }
        }
    }

    /// Called by the stream sink on the queue: frame and queue one chunk; an empty chunk ends the stream.
    func streamWrite(_ bytes: [UInt8], chunked: Bool, continuation: CheckedContinuation<Void, any Error>) {
        dispatchPrecondition(condition: .onQueue(shard.queue))
        guard !isClosed, exchange != nil else {
            continuation.resume(throwing: ConnectionClosedError())
            return
        }
        if bytes.isEmpty {
            if chunked { outbound.append(contentsOf: "0\r\n\r\n".utf8) }
            completeOnDrain = true
            continuation.resume()
            flush()
            return
        }
        if chunked { ResponseHead.appendChunkHeader(bytes.count, to: &outbound) }
        outbound += bytes
        if chunked { outbound.append(contentsOf: "\r\n".utf8) }
        writeWaiters.append(continuation)
        flush()
    }

    private func abortStream(_ error: any Error) {
        guard !isClosed else { return }
        if !(error is ConnectionClosedError) {
            core.logger.error("response stream failed", metadata: ["connection": "\(id)", "error": "\(error)"])
        }
        // Without the final zero-size chunk the client sees the content as incomplete (RFC 9112 §7.1).
        close()
    }

    /// Sends as much of `outbound` as the socket takes; on EAGAIN waits for a write event.
    func flush() {
        guard !isClosed else { return }
        var progressed = false
        while outboundSent < outbound.count {
            let (sent, error) = outbound.withUnsafeBytes { bytes -> (Int, Int32) in
                guard let base = bytes.baseAddress else { return (0, 0) }
                let result = Glibc.send(fd, base + outboundSent, bytes.count - outboundSent, Int32(MSG_NOSIGNAL))
                return (result, errno)
            }
            if sent > 0 {
                outboundSent += sent
                progressed = true
                continue
            }
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK {
                let now = Self.now()
                if progressed { machine.writeProgressed(now: now, drained: false) } else { machine.writeBlocked(now: now) }
                armWriteSource()
                if outbound.count - outboundSent <= Self.writeHighWatermark { resumeWriteWaiters() }
                updateTimer()
                return
            }
            close()
            return
        }
        if outbound.capacity > 1 << 20 { outbound = [] } else { outbound.removeAll(keepingCapacity: true) }
        outboundSent = 0
        if writeSource != nil {
            disarmWriteSource()
            machine.writeProgressed(now: Self.now(), drained: true)
        }
        resumeWriteWaiters()
        if completeOnDrain {
            completeOnDrain = false
            completeExchange()
        }
    }

    private func resumeWriteWaiters() {
        guard !writeWaiters.isEmpty else { return }
        let waiters = writeWaiters
        writeWaiters = []
        for waiter in waiters { waiter.resume() }
    }

    /// Created only on EAGAIN and cancelled once drained: a write source with nothing to write spins.
    private func armWriteSource() {
        guard writeSource == nil else { return }
        let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: shard.queue)
        source.setEventHandler { [self] in
            guard !isClosed else { return }
            flush()
        }
        writeSource = source
        source.resume()
    }

    private func disarmWriteSource() {
        writeSource?.cancel()
        writeSource = nil
    }

    /// The response is flushed: read the next request, or close.
    private func completeExchange() {
        exchange = nil
        bodyStream?.finish(throwing: ConnectionClosedError())
        bodyStream = nil
        let now = Self.now()
        switch machine.responseCompleted(now: now, hasBufferedBytes: parser.bufferedByteCount > 0) {
        case .close:
            closeAfterResponse(now: now)
        case .readNext:
            processInput()
            updateTimer()
        }
    }

    /// RFC 9112 §9.6: half-close, then discard input for a moment so the peer reads the response instead of
    /// getting a reset for data it had already sent.
    private func closeAfterResponse(now: UInt64) {
        guard !isClosed else { return }
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
        machine.startLingering(now: now)
        parser = HTTPRequestParser(limits: parser.limits)
        awaitingEnd = false
        updateReadInterest()
        updateTimer()
    }
}

/// Sends streamed response chunks through the connection's queue.
struct StreamSink: ResponseBodySink {
    let connection: Connection
    let chunked: Bool

    func write(_ bytes: [UInt8]) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            connection.shard.queue.async {
                connection.streamWrite(bytes, chunked: chunked, continuation: continuation)
            }
        }
    }
}
