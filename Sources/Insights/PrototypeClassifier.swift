/// Zero-shot intent classification by the nearest prototype: each intent is the normalised mean of its example
/// utterances' embeddings (and, optionally, its description's embedding counted as `descriptionWeight`
/// examples); a text belongs to the intent whose prototype is most similar (cosine).
///
/// No training is needed, so it works from the first few examples of a new taxonomy. Its confidence is the
/// cosine similarity to the best prototype; `leaveOneOutSimilarities()` gives held-out confidences of the
/// examples themselves to calibrate a rejection threshold with `RejectionCalibration`.
public struct PrototypeClassifier: Codable, Sendable, Equatable {
    /// Number of intents.
    public let classCount: Int
    /// Length of every vector.
    public let dimension: Int
    /// One unit-length prototype per intent, `classCount × dimension` (all zeros for an intent with nothing).
    public let prototypes: [Float]
    /// The unnormalised sums behind each prototype and their weights, kept for leave-one-out.
    private let sums: [Float]
    private let weights: [Float]
    private let examples: [Float]
    private let exampleLabels: [Int]

    /// Builds the prototypes.
    /// - Parameters:
    ///   - examples: Example embeddings, `labels.count × dimension`, L2-normalised.
    ///   - labels: The intent of every example.
    ///   - descriptions: Optional description embedding per intent (`classCount × dimension`; a zero row for none).
    ///   - descriptionWeight: How many examples a description counts as.
    public init(
        examples: [Float], labels: [Int], dimension: Int, classCount: Int, descriptions: [Float]? = nil,
        descriptionWeight: Float = 1
    ) {
        precondition(examples.count == labels.count * dimension, "PrototypeClassifier: sizes differ")
        precondition(descriptions == nil || descriptions!.count == classCount * dimension,
                     "PrototypeClassifier: one description row per intent")
        var sums = [Float](repeating: 0, count: classCount * dimension)
        var weights = [Float](repeating: 0, count: classCount)
        for (row, label) in labels.enumerated() {
            for j in 0..<dimension { sums[label * dimension + j] += examples[row * dimension + j] }
            weights[label] += 1
        }
        if let descriptions {
            for c in 0..<classCount {
                let row = descriptions[(c * dimension)..<((c + 1) * dimension)]
                guard row.contains(where: { $0 != 0 }) else { continue }
                for (j, value) in row.enumerated() { sums[c * dimension + j] += descriptionWeight * value }
                weights[c] += descriptionWeight
            }
        }
        var prototypes = sums
        Gemm.normalizeRows(&prototypes, dimension: dimension)
        self.classCount = classCount
        self.dimension = dimension
        self.prototypes = prototypes
        self.sums = sums
        self.weights = weights
        self.examples = examples
        self.exampleLabels = labels
    }

    /// Cosine similarity of every query to every prototype, `count × classCount`.
    public func similarities(queries: [Float], count: Int) -> [Float] {
        precondition(queries.count == count * dimension, "PrototypeClassifier: expected \(count) × \(dimension)")
        var result = [Float](repeating: 0, count: count * classCount)
        guard count > 0 else { return result }
        queries.withUnsafeBufferPointer { q in
            prototypes.withUnsafeBufferPointer { p in
                result.withUnsafeMutableBufferPointer { r in
                    Gemm.similarities(q.baseAddress!, rows: count, p.baseAddress!, rows: classCount,
                                      dimension: dimension, into: r.baseAddress!)
                }
            }
        }
        return result
    }

    /// The nearest intent of every query, its similarity (the confidence) and the margin over the runner-up.
    public func predict(queries: [Float], count: Int) -> [(label: Int, similarity: Float, margin: Float)] {
        let s = similarities(queries: queries, count: count)
        return (0..<count).map { row in
            var best = 0, second: Float = -.infinity
            for c in 1..<max(1, classCount) {
                let value = s[row * classCount + c]
                if value > s[row * classCount + best] {
                    second = s[row * classCount + best]
                    best = c
                } else if value > second {
                    second = value
                }
            }
            let top = s[row * classCount + best]
            return (best, top, second.isFinite ? top - second : top)
        }
    }

    /// For every example: the intent predicted with that example left out of its own prototype, and its
    /// similarity. These are honest held-out confidences for calibrating a rejection threshold.
    public func leaveOneOutPredictions() -> [(label: Int, similarity: Float)] {
        exampleLabels.enumerated().map { row, own in
            let x = examples[(row * dimension)..<((row + 1) * dimension)]
            var best = -1, bestSimilarity: Float = -.infinity
            for c in 0..<classCount {
                var prototype = Array(sums[(c * dimension)..<((c + 1) * dimension)])
                var weight = weights[c]
                if c == own {
                    for (j, value) in x.enumerated() { prototype[j] -= value }
                    weight -= 1
                }
                guard weight > 0 else { continue }
                let norm = prototype.reduce(0) { $0 + $1 * $1 }.squareRoot()
                guard norm > 0 else { continue }
                var dot: Float = 0
                for (j, value) in x.enumerated() { dot += value * prototype[j] }
                if dot / norm > bestSimilarity {
                    bestSimilarity = dot / norm
                    best = c
                }
            }
            return (best, bestSimilarity)
        }
    }
}
