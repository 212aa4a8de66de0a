import Dispatch

/// Runs long synchronous work (clustering, training) on a Dispatch thread, so that it never holds one of the
/// cooperative pool's few threads (one per core) that every request handler shares.
public func offThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: .utility).async { continuation.resume(with: Result { try body() }) }
    }
}
