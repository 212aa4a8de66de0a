/// The local embedding models Parley knows.
public enum EmbeddingModel: String, Sendable, CaseIterable {
    /// all-MiniLM-L6-v2: 6-layer BERT, 384 dimensions; the default (best clustering per cost).
    case minilm
    /// potion-base-8M: static token embeddings, 256 dimensions; ~100× faster, for huge backfills.
    case potion

    /// The model's public name, stored with every vector so vectors of different models never mix.
    public var modelID: String {
        switch self {
        case .minilm: return "sentence-transformers/all-MiniLM-L6-v2"
        case .potion: return "minishlab/potion-base-8M"
        }
    }

    /// Length of the vectors.
    public var dimension: Int {
        switch self {
        case .minilm: return 384
        case .potion: return 256
        }
    }

    /// The folder under the models directory that `make models` fills.
    public var folderName: String {
        switch self {
        case .minilm: return "all-MiniLM-L6-v2"
        case .potion: return "potion-base-8M"
        }
    }

    /// The files the model needs in its folder.
    public var requiredFiles: [String] {
        switch self {
        case .minilm: return ["config.json", "vocab.txt", "model.safetensors"]
        case .potion: return ["vocab.txt", "model.safetensors"]
        }
    }
}
