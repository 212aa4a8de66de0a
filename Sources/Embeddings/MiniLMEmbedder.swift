import CBLAS
import Foundation

/// all-MiniLM-L6-v2 (sentence-transformers): a 6-layer BERT, mean pooling over real tokens, L2-normalised.
///
/// Texts are tokenized in parallel, sorted by token count and packed into batches of about `batchTokens`
/// tokens; the batches run on `threads` worker threads with OpenBLAS kept single-threaded, so both cores do
/// useful GEMMs instead of OpenBLAS threads contending for them.
public final class MiniLMEmbedder: Embedder {
    /// The model's public name.
    public let modelID: String
    /// The encoder's dimensions, from `config.json`.
    public let configuration: BertConfiguration
    /// The WordPiece tokenizer over the model's `vocab.txt`.
    public let tokenizer: WordPieceTokenizer
    /// The longest sequence fed to the model, `[CLS]` and `[SEP]` included (sentence-transformers uses 256).
    public let maxSequenceLength: Int
    /// Threads used by `embed`.
    public let threads: Int
    /// Approximate number of tokens per packed batch (one GEMM's row count).
    public let batchTokens: Int
    let weights: BertWeights

    /// Length of the vectors.
    public var dimension: Int { configuration.hiddenSize }

    /// Loads `config.json`, `vocab.txt` and `model.safetensors` from `directory`.
    /// - Parameters:
    ///   - directory: A folder in Hugging Face layout.
    ///   - modelID: The name stored with the vectors.
    ///   - threads: Worker threads for `embed` (nil: all active processors).
    ///   - maxSequenceLength: Truncation length including special tokens.
    ///   - batchTokens: Tokens per packed batch.
    /// - Throws: `EmbeddingsError` when a file is missing, unreadable or inconsistent.
    public init(
        directory: URL, modelID: String = EmbeddingModel.minilm.modelID, threads: Int? = nil,
        maxSequenceLength: Int = 256, batchTokens: Int = 2048
    ) throws {
        let missing = EmbeddingModel.minilm.requiredFiles.filter {
            !FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path)
        }
        guard missing.isEmpty else { throw EmbeddingsError.modelFilesMissing(directory.path, missing: missing) }
        let configuration = try BertConfiguration(contentsOf: directory.appendingPathComponent("config.json"))
        let vocabularyURL = directory.appendingPathComponent("vocab.txt")
        let tokenizer = try WordPieceTokenizer(contentsOf: vocabularyURL)
        guard tokenizer.vocabulary.count == configuration.vocabularySize else {
            throw EmbeddingsError.invalidVocabulary(
                vocabularyURL.path,
                reason: "\(tokenizer.vocabulary.count) tokens, the model has \(configuration.vocabularySize)")
        }
        guard tokenizer.classifierID != nil, tokenizer.separatorID != nil else {
            throw EmbeddingsError.invalidVocabulary(vocabularyURL.path, reason: "no [CLS] or [SEP] token")
        }
        let file = try SafetensorsFile(path: directory.appendingPathComponent("model.safetensors").path)
        self.weights = try BertWeights(file: file, configuration: configuration)
        self.modelID = modelID
        self.configuration = configuration
        self.tokenizer = tokenizer
        self.maxSequenceLength = max(2, min(maxSequenceLength, configuration.maxPositions))
        self.threads = ParallelWork.threads(threads)
        self.batchTokens = max(batchTokens, self.maxSequenceLength)
        // Parallelism comes from running batches side by side; OpenBLAS threads would only contend with them.
        openblas_set_num_threads(1)
    }

    /// The model's input ids for `text`: `[CLS]`, word pieces, `[SEP]`, truncated to `maxSequenceLength`.
    public func inputIDs(_ text: String) -> [Int32] {
        tokenizer.encode(text, maxLength: maxSequenceLength)
    }

    /// Embeds `texts`; row `i` is the normalised embedding of `texts[i]`.
    public func embed(_ texts: [String]) -> EmbeddingMatrix {
        encode(tokenizeAll(texts))
    }

    /// Embeds already tokenized sequences (as returned by `inputIDs`); longer ones are truncated and ids
    /// outside the vocabulary read as `[UNK]`.
    public func embed(tokenized input: [[Int32]]) -> EmbeddingMatrix {
        let vocabularySize = Int32(configuration.vocabularySize)
        let unknown = tokenizer.unknownID
        let sequences = input.map { ids in
            ids.prefix(maxSequenceLength).map { $0 >= 0 && $0 < vocabularySize ? $0 : unknown }
        }
        return encode(sequences)
    }

    /// Runs the encoder over valid sequences (ids inside the vocabulary, at most `maxSequenceLength` long).
    private func encode(_ sequences: [[Int32]]) -> EmbeddingMatrix {
        let h = dimension
        var result = EmbeddingMatrix(count: sequences.count, dimension: h)
        let batches = planBatches(sequences)
        let weights = self.weights
        let configuration = self.configuration
        // Buffers sized for the largest batch actually planned, not the budget: one short text stays cheap.
        let capacity = batches.map { batch in batch.reduce(0) { $0 + sequences[$1].count } }.max() ?? 0
        result.values.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            nonisolated(unsafe) let output = base
            ParallelWork.forEachWorker(batches.count, threads: threads) { next in
                let workspace = BertWorkspace(configuration: configuration, tokenCapacity: capacity)
                while let index = next() {
                    let rows = batches[index]
                    workspace.encode(rows.map { sequences[$0] }, rows: rows, weights: weights, output: output)
                }
            }
        }
        return result
    }

    private func tokenizeAll(_ texts: [String]) -> [[Int32]] {
        var ids = [[Int32]](repeating: [], count: texts.count)
        let chunk = 64
        let chunks = (texts.count + chunk - 1) / chunk
        ids.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let target = buffer
            ParallelWork.forEach(chunks, threads: threads) { c in
                for i in c * chunk..<min(texts.count, (c + 1) * chunk) { target[i] = inputIDs(texts[i]) }
            }
        }
        return ids
    }

    /// Groups sequence indices into batches of similar length, longest first, each within `batchTokens` (or
    /// smaller, so that a modest input still gives every thread a batch).
    private func planBatches(_ sequences: [[Int32]]) -> [[Int]] {
        let order = sequences.indices.sorted { sequences[$0].count > sequences[$1].count }
        let totalTokens = sequences.reduce(0) { $0 + $1.count }
        let budget = min(batchTokens, max(maxSequenceLength, (totalTokens + threads - 1) / threads))
        var batches: [[Int]] = []
        var current: [Int] = []
        var tokens = 0
        for index in order {
            let length = min(sequences[index].count, maxSequenceLength)
            if tokens + length > budget, !current.isEmpty {
                batches.append(current)
                current = []
                tokens = 0
            }
            current.append(index)
            tokens += length
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }
}
