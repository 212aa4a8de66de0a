import Dispatch
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Connection {
    /// The read source fired: read until EAGAIN (or until reading is paused) and parse.
    func onReadable() {
        dispatchPrecondition(condition: .onQueue(shard.queue))
        guard !isClosed else { return }
        let buffer = shard.readBuffer
        while !isClosed {
            let (count, error) = (Glibc.read(fd, buffer.baseAddress, buffer.count), errno)
            if count > 0 {
                if machine.phase == .lingering { continue }
                parser.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                machine.bytesReceived(now: Self.now())
                processInput()
                if readSuspended || count < buffer.count { break }
            } else if count == 0 {
                if machine.peerClosed() {
                    close()
                } else {
                    // Half-close after a complete request: answer it, then close (RFC 9112 §9.6).
                    updateReadInterest()
                }
                break
            } else {
                if error == EINTR { continue }
                if error != EAGAIN && error != EWOULDBLOCK { close() }
                break
            }
        }
        updateTimer()
    }

    /// Turns buffered bytes into requests, body chunks and ends, one request at a time.
    func processInput() {
        // Consecutive body events (many small chunks) are handed over as one buffer.
        var pendingBody: [UInt8] = []
        func deliverPendingBody() {
            guard !pendingBody.isEmpty else { return }
            if let bodyStream, bodyStream.yield(pendingBody) { pauseBodyReading() }
            pendingBody = []
        }
        while !isClosed && !inputFailed && (awaitingEnd || (machine.wantsRead && machine.phase != .lingering)) {
            let event: HTTPRequestParser.Event?
            do {
                event = try parser.next()
            } catch {
                deliverPendingBody()
                reject(error)
                return
            }
            guard let event else { break }
            switch event {
            case .head(let head):
                startExchange(head)
            case .body(let chunk):
                if pendingBody.isEmpty { pendingBody = chunk } else { pendingBody += chunk }
                if pendingBody.count >= 64 * 1024 { deliverPendingBody() }
            case .end:
                deliverPendingBody()
                endBody()
            }
        }
        deliverPendingBody()
        updateReadInterest()
    }

    /// The request body consumer caught up: read again.
    func resumeBodyReading() {
        dispatchPrecondition(condition: .onQueue(shard.queue))
        guard !isClosed, bodyPaused else { return }
        bodyPaused = false
        machine.bodyConsumerDidResume(now: Self.now())
        processInput()
        updateTimer()
    }

    /// The handler's body buffer is full: stop reading content, and stop the body idle clock with it.
    private func pauseBodyReading() {
        bodyPaused = true
        machine.bodyConsumerDidPause()
    }

    private func endBody() {
        awaitingEnd = false
        machine.bodyCompleted()
        bodyStream?.finish()
        bodyStream = nil
    }

    /// A head arrived: route it, check its content, and hand the request to a task.
    private func startExchange(_ head: HTTPRequestHead) {
        let path = String(head.path)
        let match = core.router.match(method: head.method, path: path)
        let limit = match.bodyLimit ?? core.configuration.limits.defaultBodyLimit
        let hasBody = head.framing != .none
        // RFC 9110 §10.1.1: 100-continue is the only expectation defined; others may get 417.
        if head.headers.contains("Expect") && !head.expectsContinue {
            return reject(HTTPError(.expectationFailed).status)
        }
        let encoding = head.headers["Content-Encoding"]?.trimmingASCIIWhitespace().lowercased()
        let gzip = encoding == "gzip" || encoding == "x-gzip"
        // RFC 9110 §15.5.16: a content coding the server cannot decode gets 415.
        if let encoding, !gzip, encoding != "identity" { return reject(.unsupportedMediaType) }
        if hasBody {
            do { try parser.limitBody(to: limit) } catch { return reject(error) }
        }
        _ = machine.headReceived(clientWantsKeepAlive: head.clientWantsKeepAlive, hasBody: hasBody, now: Self.now())
        awaitingEnd = true
        // A previous handler may have answered without draining its body: its pause must not stall this request.
        bodyPaused = false
        exchange = Exchange(method: head.method, minorVersion: head.minorVersion)
        var storage = RequestBody.Storage.bytes([])
        if hasBody {
            // Fast path: the whole body often arrives with the head.
            var collected: [UInt8] = []
            var complete = false
            do {
                reading: while let event = try parser.next() {
                    switch event {
                    case .body(let chunk): if collected.isEmpty { collected = chunk } else { collected += chunk }
                    case .end: complete = true; break reading
                    case .head: break reading
                    }
                }
            } catch {
                // No handler runs yet: answer the error directly.
                exchange = nil
                return reject(error)
            }
            if complete {
                endBody()
                storage = .bytes(collected)
            } else {
                let stream = RequestBodyStream { [self] in shard.queue.async { self.resumeBodyReading() } }
                if !collected.isEmpty, stream.yield(collected) { pauseBodyReading() }
                bodyStream = stream
                storage = .stream(stream)
                // RFC 9110 §10.1.1: tell HTTP/1.1 clients waiting for permission to send the content.
                if head.expectsContinue && head.minorVersion >= 1 {
                    outbound.append(contentsOf: "HTTP/1.1 100 Continue\r\n\r\n".utf8)
                    flush()
                }
            }
        }
        let body = RequestBody(storage: storage, limit: limit, gzip: gzip)
        var request = Request(head: head, body: body, id: core.requestID(from: head.headers), match: match)
        request.remoteAddress = remoteAddress
        let core = self.core
        Task {
            let response = await core.respond(to: request)
            self.shard.queue.async { self.send(response) }
        }
    }

    /// The request cannot be parsed or accepted: answer with `error`'s status and close.
    func reject(_ error: HTTPParserError) {
        core.logger.debug("rejected request", metadata: ["connection": "\(id)", "reason": "\(error.reason)"])
        reject(error.status)
    }

    func reject(_ status: HTTPStatus) {
        guard !isClosed else { return }
        inputFailed = true
        awaitingEnd = false
        if exchange != nil {
            // A handler is running: its body fails, and its response closes the connection.
            bodyStream?.finish(throwing: HTTPError(status))
            bodyStream = nil
            updateReadInterest()
            return
        }
        writeErrorResponse(status)
        completeOnDrain = true
        updateReadInterest()
        flush()
    }

    /// Queues a minimal `Connection: close` response that no handler produced.
    func writeErrorResponse(_ status: HTTPStatus) {
        _ = machine.responseWillStart(closeRequested: true)
        let body = Array("\(status.code) \(status.reasonPhrase)\n".utf8)
        ResponseHead.write(
            status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], framing: .length(body.count),
            close: true, minorVersion: 1, dateLine: shard.dateHeaderLine(), into: &outbound)
        outbound += body
    }
}
