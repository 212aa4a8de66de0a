import CBLAS

/// Scratch buffers and the forward pass of a BERT encoder for one packed batch of sequences.
///
/// Sequences are packed back to back without padding: every per-token product (Q/K/V, attention output,
/// feed-forward) is one `cblas_sgemm` over all tokens of the batch, and attention runs per sequence and head
/// on its real length only, which is exactly what the padding mask computes. One workspace belongs to one
/// worker thread at a time; it is reused across batches so the hot loop allocates nothing.
final class BertWorkspace {
    let tokenCapacity: Int
    private let configuration: BertConfiguration
    private let hidden: UnsafeMutablePointer<Float>
    private let qkv: UnsafeMutablePointer<Float>
    private let context: UnsafeMutablePointer<Float>
    private let intermediate: UnsafeMutablePointer<Float>
    private let scores: UnsafeMutablePointer<Float>

    init(configuration: BertConfiguration, tokenCapacity: Int) {
        let h = configuration.hiddenSize
        let longest = min(tokenCapacity, configuration.maxPositions)
        self.configuration = configuration
        self.tokenCapacity = tokenCapacity
        hidden = .allocate(capacity: tokenCapacity * h)
        qkv = .allocate(capacity: tokenCapacity * 3 * h)
        context = .allocate(capacity: tokenCapacity * h)
        intermediate = .allocate(capacity: tokenCapacity * configuration.intermediateSize)
        scores = .allocate(capacity: longest * longest)
    }

    deinit {
        hidden.deallocate()
        qkv.deallocate()
        context.deallocate()
        intermediate.deallocate()
        scores.deallocate()
    }

    /// Encodes `sequences` (token ids, each at most `maxPositions` long, together at most `tokenCapacity`) and
    /// writes each mean-pooled, L2-normalised vector to `output + rows[i] * hiddenSize`.
    func encode(
        _ sequences: [[Int32]], rows: [Int], weights: BertWeights, output: UnsafeMutablePointer<Float>
    ) {
        let h = configuration.hiddenSize
        var offsets: [Int] = []
        var total = 0
        for ids in sequences {
            offsets.append(total)
            total += ids.count
        }
        precondition(total <= tokenCapacity, "BertWorkspace: batch larger than its capacity")
        guard total > 0 else { return }
        embed(sequences, weights: weights)
        for layer in weights.layers {
            runLayer(layer, sequences: sequences, offsets: offsets, tokens: total)
        }
        for (index, ids) in sequences.enumerated() {
            let target = output + rows[index] * h
            target.initialize(repeating: 0, count: h)
            for t in 0..<ids.count {
                let source = hidden + (offsets[index] + t) * h
                for j in 0..<h { target[j] += source[j] }
            }
            // Mean pooling divides by the length; the L2 normalisation that follows makes that a no-op.
            var norm: Float = 0
            for j in 0..<h { norm += target[j] * target[j] }
            let scale = norm > 0 ? 1 / norm.squareRoot() : 0
            for j in 0..<h { target[j] *= scale }
        }
    }

    /// Word + position (+ token type 0, folded into the position table) embeddings, then LayerNorm.
    private func embed(_ sequences: [[Int32]], weights: BertWeights) {
        let h = configuration.hiddenSize
        var row = 0
        Self.with(weights.wordEmbeddings) { words in
            Self.with(weights.positionEmbeddings) { positions in
                for ids in sequences {
                    for (position, id) in ids.enumerated() {
                        let word = words + Int(id) * h
                        let place = positions + position * h
                        let target = hidden + row * h
                        for j in 0..<h { target[j] = word[j] + place[j] }
                        row += 1
                    }
                }
            }
        }
        Self.with(weights.embeddingNormGamma) { gamma in
            Self.with(weights.embeddingNormBeta) { beta in
                VectorKernels.biasLayerNorm(
                    hidden, rows: row, columns: h, bias: nil, gamma: gamma, beta: beta,
                    epsilon: configuration.layerNormEpsilon)
            }
        }
    }

    private func runLayer(_ layer: BertWeights.Layer, sequences: [[Int32]], offsets: [Int], tokens: Int) {
        let h = configuration.hiddenSize
        let inner = configuration.intermediateSize
        let eps = configuration.layerNormEpsilon
        // Q, K and V of every token in one GEMM: [tokens, h] · [3h, h]ᵀ, accumulated onto the bias rows
        // (beta = 1 also spares OpenBLAS its separate pass zeroing C).
        Self.with(layer.qkvBias) { bias in
            VectorKernels.fillRows(qkv, rows: tokens, columns: 3 * h, with: bias)
        }
        Self.gemm(m: tokens, n: 3 * h, k: h, a: hidden, lda: h, weights: layer.qkv, c: qkv, ldc: 3 * h, beta: 1)
        attention(sequences: sequences, offsets: offsets)
        // Residual connection: hidden += context · Woᵀ, then LayerNorm(hidden + bias).
        Self.gemm(m: tokens, n: h, k: h, a: context, lda: h, weights: layer.attentionOutput, c: hidden, ldc: h, beta: 1)
        Self.layerNorm(
            hidden, rows: tokens, columns: h, bias: layer.attentionOutputBias, gamma: layer.attentionNormGamma,
            beta: layer.attentionNormBeta, epsilon: eps)
        Self.gemm(
            m: tokens, n: inner, k: h, a: hidden, lda: h, weights: layer.intermediate, c: intermediate,
            ldc: inner, beta: 0)
        Self.with(layer.intermediateBias) { bias in
            VectorKernels.biasGELU(intermediate, rows: tokens, columns: inner, bias: bias)
        }
        Self.gemm(
            m: tokens, n: h, k: inner, a: intermediate, lda: inner, weights: layer.output, c: hidden, ldc: h,
            beta: 1)
        Self.layerNorm(
            hidden, rows: tokens, columns: h, bias: layer.outputBias, gamma: layer.outputNormGamma,
            beta: layer.outputNormBeta, epsilon: eps)
    }

    /// Scaled dot-product attention per sequence and head, from `qkv` into `context`.
    private func attention(sequences: [[Int32]], offsets: [Int]) {
        let h = configuration.hiddenSize
        let headSize = h / configuration.heads
        let stride = 3 * h
        let alpha = 1 / Float(headSize).squareRoot()
        for (index, ids) in sequences.enumerated() where !ids.isEmpty {
            let n = ids.count
            let start = qkv + offsets[index] * stride
            for head in 0..<configuration.heads {
                let query = start + head * headSize
                let key = query + h
                let value = query + 2 * h
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(n), Int32(headSize), alpha, query,
                    Int32(stride), key, Int32(stride), 0, scores, Int32(n))
                for row in 0..<n { VectorKernels.softmax(scores + row * n, count: n) }
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(headSize), Int32(n), 1, scores,
                    Int32(n), value, Int32(stride), 0, context + offsets[index] * h + head * headSize, Int32(h))
            }
        }
    }

    /// `c = a · Wᵀ + beta · c` with `W` in PyTorch's `[n, k]` layout.
    private static func gemm(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, weights: [Float], c: UnsafeMutablePointer<Float>,
        ldc: Int, beta: Float
    ) {
        weights.withUnsafeBufferPointer { w in
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(lda),
                w.baseAddress, Int32(k), beta, c, Int32(ldc))
        }
    }

    private static func layerNorm(
        _ data: UnsafeMutablePointer<Float>, rows: Int, columns: Int, bias: [Float], gamma: [Float], beta: [Float],
        epsilon: Float
    ) {
        with(bias) { b in
            with(gamma) { g in
                with(beta) { be in
                    VectorKernels.biasLayerNorm(
                        data, rows: rows, columns: columns, bias: b, gamma: g, beta: be, epsilon: epsilon)
                }
            }
        }
    }

    /// Calls `body` with the array's base address. `BertWeights` checked every shape against the configuration,
    /// so the arrays are never empty; an empty one would make the step a no-op rather than a crash.
    @inline(__always)
    private static func with(_ array: [Float], _ body: (UnsafePointer<Float>) -> Void) {
        array.withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress { body(base) }
        }
    }
}
