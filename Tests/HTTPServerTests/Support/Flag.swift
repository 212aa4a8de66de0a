import Synchronization

/// A one-way flag a handler raises and a test waits for, so tests order events without sleeping blindly.
final class Flag: Sendable {
    private let raised = Mutex(false)

    func raise() {
        raised.withLock { $0 = true }
    }

    /// Waits until raised; returns false after `timeout` (generous: the machine may be loaded).
    func wait(timeout: Duration = .seconds(20)) async throws -> Bool {
        let clock = ContinuousClock()
        let end = clock.now + timeout
        while clock.now < end {
            if raised.withLock({ $0 }) { return true }
            try await Task.sleep(for: .milliseconds(5))
        }
        return false
    }
}
