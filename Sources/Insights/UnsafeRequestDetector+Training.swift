extension UnsafeRequestDetector {
    /// A group of training requests, all safe or all unsafe, with the share of the total weight it gets.
    ///
    /// Shares handle the imbalance of public data (a few hundred harmful prompts against tens of thousands of
    /// harmless ones) and let a small hand-written group (safe requests that merely sound alarming) count as
    /// much as it must for the classifier to learn that alarming words alone are not harm.
    public struct TrainingGroup: Sendable {
        /// Embeddings of the group's requests, row-major.
        public var embeddings: [Float]
        /// Whether the requests are unsafe.
        public var unsafe: Bool
        /// This group's share of the total weight (shares are normalised over the groups).
        public var share: Double

        /// A group.
        public init(embeddings: [Float], unsafe: Bool, share: Double) {
            self.embeddings = embeddings
            self.unsafe = unsafe
            self.share = share
        }
    }

    /// Trains the binary regression from weighted groups.
    /// - Parameters:
    ///   - groups: Training groups; each row of a group weighs `share / rows`.
    ///   - dimension: Embedding length.
    ///   - l2: L2 penalty.
    ///   - threshold: The default decision threshold stored with the weights.
    ///   - embeddingModel: The model that made the embeddings.
    ///   - notes: Free-form provenance stored with the weights.
    public static func train(
        groups: [TrainingGroup], dimension: Int, l2: Double, threshold: Float = 0.5, embeddingModel: String,
        notes: [String: String] = [:]
    ) throws -> UnsafeRequestDetector {
        var features: [Float] = [], labels: [Int] = [], weights: [Float] = []
        for group in groups {
            let rows = group.embeddings.count / max(1, dimension)
            guard rows > 0 else { continue }
            features += group.embeddings[..<(rows * dimension)]
            labels += [Int](repeating: group.unsafe ? 1 : 0, count: rows)
            weights += [Float](repeating: Float(group.share / Double(rows)), count: rows)
        }
        let model = SoftmaxRegression.train(
            features: features, count: labels.count, dimension: dimension, labels: labels, classCount: 2,
            sampleWeights: weights, options: .init(l2: l2, maxIterations: 500))
        return try UnsafeRequestDetector(weights: Weights(
            embeddingModel: embeddingModel, threshold: threshold, model: model, notes: notes))
    }

    /// Precision, recall and false-positive rate of `scores` against `unsafe` labels at `threshold`.
    public static func measure(scores: [Float], unsafe: [Bool], threshold: Float)
        -> (precision: Double, recall: Double, falsePositiveRate: Double, positives: Int, negatives: Int)
    {
        var tp = 0, fp = 0, fn = 0, tn = 0
        for (score, isUnsafe) in zip(scores, unsafe) {
            switch (score >= threshold, isUnsafe) {
            case (true, true): tp += 1
            case (true, false): fp += 1
            case (false, true): fn += 1
            case (false, false): tn += 1
            }
        }
        return (tp + fp > 0 ? Double(tp) / Double(tp + fp) : 0, tp + fn > 0 ? Double(tp) / Double(tp + fn) : 0,
                fp + tn > 0 ? Double(fp) / Double(fp + tn) : 0, tp + fn, fp + tn)
    }
}
