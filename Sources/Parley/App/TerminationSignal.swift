import Dispatch
import Glibc

/// Waits for SIGTERM or SIGINT.
public enum TerminationSignal {
    /// Suspends until the process receives SIGTERM or SIGINT and returns which one.
    public static func wait() async -> Int32 {
        let box = SignalSources()
        return await withCheckedContinuation { continuation in
            box.start { signal in continuation.resume(returning: signal) }
        }
    }
}

/// The two signal sources, confined to their private serial queue.
private final class SignalSources: @unchecked Sendable {
    private let queue = DispatchQueue(label: "parley.signals")
    private var sources: [any DispatchSourceSignal] = []
    private var fired = false

    func start(_ handler: @escaping @Sendable (Int32) -> Void) {
        queue.async {
            for number in [SIGTERM, SIGINT] {
                // Default handling would kill the process before the graceful shutdown runs.
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: self.queue)
                source.setEventHandler { [self] in
                    dispatchPrecondition(condition: .onQueue(self.queue))
                    guard !self.fired else { return }
                    self.fired = true
                    self.sources.forEach { $0.cancel() }
                    handler(number)
                }
                source.resume()
                self.sources.append(source)
            }
        }
    }
}
