import Synchronization

/// The hand-off of request content from the connection's queue to the handler's task, with backpressure.
///
/// Single producer (the connection) and single consumer (the handler). When more than `highWatermark` bytes
/// wait unread, `yield` tells the connection to stop reading; once the consumer has drained below half of
/// it, `resumeProducer` is called so the connection reads again.
final class RequestBodyStream: Sendable {
    private struct State {
        var chunks: [[UInt8]] = []
        var head = 0
        var buffered = 0
        var finished = false
        var failure: (any Error)?
        var waiter: CheckedContinuation<[UInt8]?, any Error>?
        var producerPaused = false
    }

    private enum Outcome {
        case chunk([UInt8], resumeProducer: Bool)
        case end
        case failure(any Error)
        case wait
    }

    private let state = Mutex(State())
    private let highWatermark: Int
    private let resumeProducer: @Sendable () -> Void

    init(highWatermark: Int = 256 * 1024, resumeProducer: @escaping @Sendable () -> Void) {
        self.highWatermark = highWatermark
        self.resumeProducer = resumeProducer
    }

    /// Producer: hands over a chunk. Returns `true` when the producer should pause reading.
    func yield(_ chunk: [UInt8]) -> Bool {
        let highWatermark = highWatermark
        let (waiter, pause) = state.withLock { state -> (CheckedContinuation<[UInt8]?, any Error>?, Bool) in
            guard !state.finished else { return (nil, false) }
            if let waiter = state.waiter {
                state.waiter = nil
                return (waiter, false)
            }
            state.chunks.append(chunk)
            state.buffered += chunk.count
            if state.buffered >= highWatermark {
                state.producerPaused = true
                return (nil, true)
            }
            return (nil, false)
        }
        waiter?.resume(returning: chunk)
        return pause
    }

    /// Producer: the content ended, normally or with `error`.
    func finish(throwing error: (any Error)? = nil) {
        let waiter = state.withLock { state -> CheckedContinuation<[UInt8]?, any Error>? in
            guard !state.finished else { return nil }
            state.finished = true
            state.failure = error
            defer { state.waiter = nil }
            return state.waiter
        }
        guard let waiter else { return }
        if let error { waiter.resume(throwing: error) } else { waiter.resume(returning: nil) }
    }

    /// Consumer: the next chunk, or `nil` at the end.
    func next() async throws -> [UInt8]? {
        try await withCheckedThrowingContinuation { continuation in
            let outcome = takeOrWait(continuation)
            switch outcome {
            case .chunk(let chunk, let resume):
                if resume { resumeProducer() }
                continuation.resume(returning: chunk)
            case .end:
                continuation.resume(returning: nil)
            case .failure(let error):
                continuation.resume(throwing: error)
            case .wait:
                break
            }
        }
    }

    private func takeOrWait(_ continuation: CheckedContinuation<[UInt8]?, any Error>) -> Outcome {
        let lowWatermark = highWatermark / 2
        return state.withLock { state in
            if let failure = state.failure { return .failure(failure) }
            if state.head < state.chunks.count {
                let chunk = state.chunks[state.head]
                state.chunks[state.head] = []
                state.head += 1
                if state.head == state.chunks.count {
                    state.chunks.removeAll(keepingCapacity: true)
                    state.head = 0
                }
                state.buffered -= chunk.count
                let resume = state.producerPaused && state.buffered < lowWatermark
                if resume { state.producerPaused = false }
                return .chunk(chunk, resumeProducer: resume)
            }
            if state.finished { return .end }
            state.waiter = continuation
            return .wait
        }
    }
}
