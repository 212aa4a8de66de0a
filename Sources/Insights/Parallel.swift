import CBLAS
import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs independent work items on a few threads (work-stealing through one atomic counter).
///
/// OpenBLAS is kept single-threaded (as the Embeddings target does) and work is parallelised across row
/// blocks instead, so BLAS threads never oversubscribe the cores.
enum Parallel {
    /// Worker threads: every active processor.
    static var threads: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Calls `body(index)` once for every index in `0..<count`; returns when all are done.
    static func forEach(_ count: Int, _ body: @Sendable (Int) -> Void) {
        guard count > 0 else { return }
        openblas_set_num_threads(1)
        let workers = min(threads, count)
        if workers == 1 {
            for index in 0..<count { body(index) }
            return
        }
        let counter = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let index = counter.add(1, ordering: .relaxed).oldValue
                guard index < count else { return }
                body(index)
            }
        }
    }
}

/// A pointer handed to parallel workers that each write a disjoint part of the buffer.
struct SharedPointer<Element>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Element>
    init(_ base: UnsafeMutablePointer<Element>) { self.base = base }
    subscript(index: Int) -> Element {
        get { base[index] }
        nonmutating set { base[index] = newValue }
    }
}

/// A read-only pointer handed to parallel workers.
struct SharedConstPointer<Element>: @unchecked Sendable {
    let base: UnsafePointer<Element>
    init(_ base: UnsafePointer<Element>) { self.base = base }
    subscript(index: Int) -> Element { base[index] }
}
