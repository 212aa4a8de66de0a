import Foundation

/// The fields of a BERT `config.json` that the encoder needs, with all-MiniLM-L6-v2's values as defaults.
public struct BertConfiguration: Sendable, Equatable, Decodable {
    /// Number of transformer layers.
    public var layers: Int = 6
    /// Width of the hidden state.
    public var hiddenSize: Int = 384
    /// Number of attention heads (`hiddenSize` must divide evenly).
    public var heads: Int = 12
    /// Width of the feed-forward layer.
    public var intermediateSize: Int = 1536
    /// Number of rows of the word embedding table.
    public var vocabularySize: Int = 30522
    /// Number of learned positions: the longest sequence the model can read.
    public var maxPositions: Int = 512
    /// Number of token types (segments).
    public var typeVocabularySize: Int = 2
    /// LayerNorm epsilon.
    public var layerNormEpsilon: Float = 1e-12
    /// Activation of the feed-forward layer; only the exact-erf `gelu` is supported.
    public var hiddenActivation: String = "gelu"

    enum CodingKeys: String, CodingKey {
        case layers = "num_hidden_layers"
        case hiddenSize = "hidden_size"
        case heads = "num_attention_heads"
        case intermediateSize = "intermediate_size"
        case vocabularySize = "vocab_size"
        case maxPositions = "max_position_embeddings"
        case typeVocabularySize = "type_vocab_size"
        case layerNormEpsilon = "layer_norm_eps"
        case hiddenActivation = "hidden_act"
    }

    /// all-MiniLM-L6-v2's configuration.
    public init() {}

    /// Decodes the fields present in a `config.json`, keeping the defaults for the others.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        layers = try c.decodeIfPresent(Int.self, forKey: .layers) ?? layers
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? hiddenSize
        heads = try c.decodeIfPresent(Int.self, forKey: .heads) ?? heads
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? intermediateSize
        vocabularySize = try c.decodeIfPresent(Int.self, forKey: .vocabularySize) ?? vocabularySize
        maxPositions = try c.decodeIfPresent(Int.self, forKey: .maxPositions) ?? maxPositions
        typeVocabularySize = try c.decodeIfPresent(Int.self, forKey: .typeVocabularySize) ?? typeVocabularySize
        layerNormEpsilon = try c.decodeIfPresent(Float.self, forKey: .layerNormEpsilon) ?? layerNormEpsilon
        hiddenActivation = try c.decodeIfPresent(String.self, forKey: .hiddenActivation) ?? hiddenActivation
    }

    /// Reads and checks a `config.json`.
    /// - Throws: `EmbeddingsError.invalidConfiguration` when unreadable or unsupported.
    public init(contentsOf url: URL) throws {
        do {
            self = try JSONDecoder().decode(Self.self, from: Data(contentsOf: url))
        } catch {
            throw EmbeddingsError.invalidConfiguration(url.path, reason: "\(error)")
        }
        guard layers > 0, heads > 0, hiddenSize > 0, hiddenSize % heads == 0, hiddenSize % 8 == 0,
            intermediateSize % 8 == 0, maxPositions >= 2, typeVocabularySize >= 1
        else {
            throw EmbeddingsError.invalidConfiguration(url.path, reason: "unsupported dimensions")
        }
        guard hiddenActivation == "gelu" else {
            throw EmbeddingsError.invalidConfiguration(url.path, reason: "activation \(hiddenActivation) unsupported")
        }
    }
}
