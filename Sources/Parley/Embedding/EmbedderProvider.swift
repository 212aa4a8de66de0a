import Embeddings
import Foundation

/// Loads the configured embedding model once, on first use, and shares it.
public actor EmbedderProvider {
    private let configuration: EmbedderConfiguration?
    private let configurationError: (any Error)?
    private var loaded: (any Embedder)?

    public init(modelName: String, modelsDirectory: String) {
        do {
            configuration = try EmbedderConfiguration(modelName: modelName, modelsDirectory: modelsDirectory)
            configurationError = nil
        } catch {
            configuration = nil
            configurationError = error
        }
    }

    /// The embedder; throws a clear error (saying to run `make models`) when the model files are missing.
    public func embedder() throws -> any Embedder {
        if let loaded { return loaded }
        if let configurationError { throw configurationError }
        guard let configuration else { throw EmbeddingsError.unknownModel("?") }
        let embedder = try configuration.makeEmbedder()
        loaded = embedder
        return embedder
    }
}
