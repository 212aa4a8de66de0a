import Foundation

/// potion-base-8M (model2vec): a static table of token vectors; a text's embedding is the mean of its tokens'
/// rows, L2-normalised.
///
/// Tokenized with BERT-uncased WordPiece over the model's own `vocab.txt`, without `[CLS]`/`[SEP]`, with
/// `[UNK]` dropped and at most `maxTokens` tokens. A text with no known token embeds as the zero vector.
public final class StaticEmbedder: Embedder {
    /// The model's public name.
    public let modelID: String
    /// Length of the vectors.
    public let dimension: Int
    /// The WordPiece tokenizer over the model's `vocab.txt`.
    public let tokenizer: WordPieceTokenizer
    /// Tokens beyond this many (after dropping `[UNK]`) are ignored.
    public let maxTokens: Int
    /// Threads used by `embed`.
    public let threads: Int
    private let table: [Float]

    /// Loads `vocab.txt` and `model.safetensors` (tensor `embeddings`, `[vocabulary, dimension]`).
    /// - Throws: `EmbeddingsError` when a file is missing, unreadable or inconsistent.
    public init(
        directory: URL, modelID: String = EmbeddingModel.potion.modelID, threads: Int? = nil,
        maxTokens: Int = 512
    ) throws {
        let missing = EmbeddingModel.potion.requiredFiles.filter {
            !FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path)
        }
        guard missing.isEmpty else { throw EmbeddingsError.modelFilesMissing(directory.path, missing: missing) }
        let vocabularyURL = directory.appendingPathComponent("vocab.txt")
        let tokenizer = try WordPieceTokenizer(contentsOf: vocabularyURL)
        let file = try SafetensorsFile(path: directory.appendingPathComponent("model.safetensors").path)
        guard let info = file.tensors["embeddings"], info.shape.count == 2, info.shape[1] > 0 else {
            throw EmbeddingsError.tensorMismatch("embeddings", reason: "expected a [vocabulary, dimension] matrix")
        }
        guard info.shape[0] == tokenizer.vocabulary.count else {
            throw EmbeddingsError.invalidVocabulary(
                vocabularyURL.path, reason: "\(tokenizer.vocabulary.count) tokens, the table has \(info.shape[0]) rows")
        }
        self.table = try file.floats("embeddings", shape: info.shape)
        self.dimension = info.shape[1]
        self.tokenizer = tokenizer
        self.modelID = modelID
        self.maxTokens = max(1, maxTokens)
        self.threads = ParallelWork.threads(threads)
    }

    /// The token ids used for `text` (no specials, `[UNK]` dropped, at most `maxTokens`).
    public func tokenIDs(_ text: String) -> [Int32] {
        tokenizer.tokenize(text, maxTokens: maxTokens, dropUnknown: true)
    }

    /// Embeds `texts`; row `i` is the normalised embedding of `texts[i]`.
    public func embed(_ texts: [String]) -> EmbeddingMatrix {
        let d = dimension
        var result = EmbeddingMatrix(count: texts.count, dimension: d)
        let chunk = 256
        let chunks = (texts.count + chunk - 1) / chunk
        table.withUnsafeBufferPointer { tableBuffer in
            result.values.withUnsafeMutableBufferPointer { buffer in
                guard let rows = tableBuffer.baseAddress, let base = buffer.baseAddress else { return }
                nonisolated(unsafe) let output = base
                nonisolated(unsafe) let vectors = rows
                ParallelWork.forEach(chunks, threads: threads) { c in
                    for i in c * chunk..<min(texts.count, (c + 1) * chunk) {
                        Self.pool(tokenIDs(texts[i]), table: vectors, dimension: d, into: output + i * d)
                    }
                }
            }
        }
        return result
    }

    /// Sums the rows of `ids` into `target` and L2-normalises (the mean's division cancels out).
    private static func pool(
        _ ids: [Int32], table: UnsafePointer<Float>, dimension d: Int, into target: UnsafeMutablePointer<Float>
    ) {
        guard !ids.isEmpty else { return }
        let vectorized = d / 16 * 16
        let raw = UnsafeMutableRawPointer(target)
        for id in ids {
            let row = UnsafeRawPointer(table + Int(id) * d)
            var j = 0
            while j < vectorized {
                let sum =
                    raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD16<Float>.self)
                    + row.loadUnaligned(fromByteOffset: j * 4, as: SIMD16<Float>.self)
                raw.storeBytes(of: sum, toByteOffset: j * 4, as: SIMD16<Float>.self)
                j += 16
            }
            while j < d {
                target[j] += row.load(fromByteOffset: j * 4, as: Float.self)
                j += 1
            }
        }
        var norm: Float = 0
        for j in 0..<d { norm += target[j] * target[j] }
        guard norm > 0 else { return }
        let scale = 1 / norm.squareRoot()
        for j in 0..<d { target[j] *= scale }
    }
}
