import Dispatch
import Foundation
import Synchronization

/// Spreads independent work items over a fixed number of threads (work-stealing through one atomic counter).
enum ParallelWork {
    /// Calls `body(index)` once for every index in `0..<count`, on at most `threads` threads; returns when done.
    static func forEach(_ count: Int, threads: Int, _ body: @Sendable (Int) -> Void) {
        forEachWorker(count, threads: threads) { next in
            while let index = next() { body(index) }
        }
    }

    /// Starts up to `threads` workers; each calls `next()` for the next unclaimed index until it returns nil.
    /// Lets a worker keep per-thread scratch state (such as an encoder workspace) across the items it takes.
    static func forEachWorker(
        _ count: Int, threads: Int, _ worker: @Sendable (_ next: () -> Int?) -> Void
    ) {
        guard count > 0 else { return }
        let workers = max(1, min(threads, count))
        let counter = Atomic<Int>(0)
        if workers == 1 {
            worker {
                let index = counter.add(1, ordering: .relaxed).oldValue
                return index < count ? index : nil
            }
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            worker {
                let index = counter.add(1, ordering: .relaxed).oldValue
                return index < count ? index : nil
            }
        }
    }

    /// `threads` if given and positive, else the number of active processors.
    static func threads(_ threads: Int?) -> Int {
        if let threads, threads > 0 { return threads }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }
}
