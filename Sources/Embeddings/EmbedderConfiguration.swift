import Foundation

/// Which local model to load, and from where; `makeEmbedder()` builds it.
///
/// ```swift
/// let configuration = try EmbedderConfiguration(modelName: env["PARLEY_EMBEDDING_MODEL"])  // minilm | potion
/// let embedder = try configuration.makeEmbedder()
/// let vectors = try embedder.embed(["How do I reset my password?", "card not arrived"])  // 2 × 384
/// ```
public struct EmbedderConfiguration: Sendable, Equatable {
    /// The model; `minilm` by default.
    public var model: EmbeddingModel
    /// Either the folder `make models` fills (one subfolder per model, `$PARLEY_MODELS`), or a single model's
    /// folder in Hugging Face layout (`config.json`, `vocab.txt`, `model.safetensors`).
    public var modelsDirectory: URL
    /// Worker threads for `embed`; nil uses every active processor.
    public var threads: Int?

    /// A configuration with explicit values.
    public init(model: EmbeddingModel = .minilm, modelsDirectory: URL? = nil, threads: Int? = nil) {
        self.model = model
        self.modelsDirectory = modelsDirectory ?? Self.defaultModelsDirectory()
        self.threads = threads
    }

    /// A configuration from textual settings (configuration file or environment).
    /// - Parameters:
    ///   - modelName: `minilm` or `potion` (case-insensitive); nil or empty means `minilm`.
    ///   - modelsDirectory: A path; nil or empty means `$PARLEY_MODELS`, else `~/.cache/parley/models`.
    ///   - threads: Worker threads; nil uses every active processor.
    /// - Throws: `EmbeddingsError.unknownModel` for any other model name.
    public init(modelName: String?, modelsDirectory: String? = nil, threads: Int? = nil) throws {
        let name = (modelName ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        let model: EmbeddingModel
        switch name {
        case "", "minilm", "all-minilm-l6-v2", EmbeddingModel.minilm.modelID.lowercased(): model = .minilm
        case "potion", "potion-base-8m", EmbeddingModel.potion.modelID.lowercased(): model = .potion
        default: throw EmbeddingsError.unknownModel(modelName ?? "")
        }
        let directory = modelsDirectory.flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
        self.init(model: model, modelsDirectory: directory, threads: threads)
    }

    /// `$PARLEY_MODELS` if set, else `~/.cache/parley/models` (what `make models` fills).
    public static func defaultModelsDirectory(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> URL {
        if let path = environment["PARLEY_MODELS"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".cache/parley/models")
    }

    /// The folder holding the selected model's files: `modelsDirectory` itself when it is a model folder
    /// (Hugging Face layout), else its `all-MiniLM-L6-v2` or `potion-base-8M` subfolder.
    /// - Throws: `EmbeddingsError.modelFilesMissing` (whose message says to run `make models`).
    public func modelDirectory() throws -> URL {
        let fileManager = FileManager.default
        func missing(in directory: URL) -> [String] {
            model.requiredFiles.filter { !fileManager.fileExists(atPath: directory.appendingPathComponent($0).path) }
        }
        if missing(in: modelsDirectory).isEmpty { return modelsDirectory }
        let directory = modelsDirectory.appendingPathComponent(model.folderName)
        let absent = missing(in: directory)
        guard absent.isEmpty else { throw EmbeddingsError.modelFilesMissing(directory.path, missing: absent) }
        return directory
    }

    /// Loads the selected model.
    /// - Throws: `EmbeddingsError` when files are missing (run `make models`) or invalid.
    public func makeEmbedder() throws -> any Embedder {
        let directory = try modelDirectory()
        switch model {
        case .minilm: return try MiniLMEmbedder(directory: directory, modelID: model.modelID, threads: threads)
        case .potion: return try StaticEmbedder(directory: directory, modelID: model.modelID, threads: threads)
        }
    }
}
