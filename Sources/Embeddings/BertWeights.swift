/// The weights of a BERT encoder, copied out of `model.safetensors` into contiguous arrays.
///
/// Linear weights stay in PyTorch's `[out, in]` layout (multiplied as `x · Wᵀ`); each layer's query, key and
/// value projections are concatenated into one `[3·hidden, hidden]` matrix so they cost a single GEMM.
struct BertWeights: Sendable {
    struct Layer: Sendable {
        var qkv: [Float]
        var qkvBias: [Float]
        var attentionOutput: [Float]
        var attentionOutputBias: [Float]
        var attentionNormGamma: [Float]
        var attentionNormBeta: [Float]
        var intermediate: [Float]
        var intermediateBias: [Float]
        var output: [Float]
        var outputBias: [Float]
        var outputNormGamma: [Float]
        var outputNormBeta: [Float]
    }

    var wordEmbeddings: [Float]
    var positionEmbeddings: [Float]
    var tokenTypeEmbeddings: [Float]
    var embeddingNormGamma: [Float]
    var embeddingNormBeta: [Float]
    var layers: [Layer]

    init(file: SafetensorsFile, configuration c: BertConfiguration) throws {
        let h = c.hiddenSize
        // Checkpoints exported from `BertModel` have no prefix; those from `BertForX` prefix `bert.`.
        let prefix = file.tensors["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        func tensor(_ name: String, _ shape: [Int]) throws -> [Float] {
            try file.floats(prefix + name, shape: shape)
        }
        wordEmbeddings = try tensor("embeddings.word_embeddings.weight", [c.vocabularySize, h])
        positionEmbeddings = try tensor("embeddings.position_embeddings.weight", [c.maxPositions, h])
        tokenTypeEmbeddings = try tensor("embeddings.token_type_embeddings.weight", [c.typeVocabularySize, h])
        embeddingNormGamma = try tensor("embeddings.LayerNorm.weight", [h])
        embeddingNormBeta = try tensor("embeddings.LayerNorm.bias", [h])
        layers = try (0..<c.layers).map { index in
            let p = "encoder.layer.\(index)."
            let query = try tensor(p + "attention.self.query.weight", [h, h])
            let key = try tensor(p + "attention.self.key.weight", [h, h])
            let value = try tensor(p + "attention.self.value.weight", [h, h])
            let queryBias = try tensor(p + "attention.self.query.bias", [h])
            let keyBias = try tensor(p + "attention.self.key.bias", [h])
            let valueBias = try tensor(p + "attention.self.value.bias", [h])
            return Layer(
                qkv: query + key + value,
                qkvBias: queryBias + keyBias + valueBias,
                attentionOutput: try tensor(p + "attention.output.dense.weight", [h, h]),
                attentionOutputBias: try tensor(p + "attention.output.dense.bias", [h]),
                attentionNormGamma: try tensor(p + "attention.output.LayerNorm.weight", [h]),
                attentionNormBeta: try tensor(p + "attention.output.LayerNorm.bias", [h]),
                intermediate: try tensor(p + "intermediate.dense.weight", [c.intermediateSize, h]),
                intermediateBias: try tensor(p + "intermediate.dense.bias", [c.intermediateSize]),
                output: try tensor(p + "output.dense.weight", [h, c.intermediateSize]),
                outputBias: try tensor(p + "output.dense.bias", [h]),
                outputNormGamma: try tensor(p + "output.LayerNorm.weight", [h]),
                outputNormBeta: try tensor(p + "output.LayerNorm.bias", [h])
            )
        }
        // Fold the constant token-type-0 row into the position table: both are added to every token.
        for position in 0..<c.maxPositions {
            for j in 0..<h { positionEmbeddings[position * h + j] += tokenTypeEmbeddings[j] }
        }
    }
}
