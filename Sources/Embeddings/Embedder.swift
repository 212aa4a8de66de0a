import Dispatch

/// Turns texts into L2-normalised embedding vectors.
///
/// Implementations are immutable and thread-safe; one instance serves the whole process.
public protocol Embedder: Sendable {
    /// The model's public name, e.g. `sentence-transformers/all-MiniLM-L6-v2`; store it with each vector.
    var modelID: String { get }
    /// Length of every vector.
    var dimension: Int { get }
    /// Embeds a batch of texts; row `i` of the result belongs to `texts[i]`.
    ///
    /// Work is spread over the configured threads; call it with large batches (hundreds of texts) for best
    /// throughput. Blocks the calling thread: from async code use `embedInBackground(_:)`.
    /// - Throws: `EmbeddingsError` (local models do not fail once loaded; remote embedders may).
    func embed(_ texts: [String]) throws -> EmbeddingMatrix
}

extension Embedder {
    /// The embedding of one text.
    public func embed(_ text: String) throws -> [Float] {
        try embed([text]).row(0)
    }

    /// Embeds `texts` on a Dispatch queue and resumes when done, so the seconds a large batch takes never
    /// block a thread of Swift's cooperative pool.
    public func embedInBackground(_ texts: [String]) async throws -> EmbeddingMatrix {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .utility).async {
                continuation.resume(with: Result { try self.embed(texts) })
            }
        }
    }
}
