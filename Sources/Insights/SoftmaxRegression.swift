import CBLAS

/// Multinomial logistic regression (softmax regression) with an L2 penalty, trained by L-BFGS.
///
/// The objective is the weighted mean cross-entropy plus `l2 / 2 · ‖W‖²` (biases are not penalised), so `l2` does
/// not depend on the number of examples. Training starts from zero and is deterministic. Two classes make a binary
/// classifier: `probabilities(for:)[1]` is the positive class's probability.
///
/// ```swift
/// let model = SoftmaxRegression.train(features: x, count: n, dimension: d, labels: y, classCount: k)
/// let p = model.probabilities(for: vector)          // k probabilities summing to 1
/// let data = try JSONEncoder().encode(model)         // store it; decode with JSONDecoder
/// ```
public struct SoftmaxRegression: Codable, Sendable, Equatable {
    /// Number of classes (at least 2).
    public let classCount: Int
    /// Length of every feature vector.
    public let dimension: Int
    /// Weights, `classCount × dimension`, row-major (row `c` scores class `c`).
    public private(set) var weights: [Float]
    /// One bias per class.
    public private(set) var biases: [Float]

    /// Settings of `train`.
    public struct Options: Sendable, Equatable {
        /// L2 penalty on the weights (the mean loss is penalised by `l2 / 2 · ‖W‖²`).
        public var l2: Double
        /// Weight every class by `n / (classCount · classSize)` so rare classes count as much as common ones.
        public var balanceClasses: Bool
        /// Most L-BFGS iterations.
        public var maxIterations: Int

        /// Options with the given values; the defaults suit L2-normalised sentence embeddings.
        public init(l2: Double = 1e-4, balanceClasses: Bool = false, maxIterations: Int = 400) {
            self.l2 = l2
            self.balanceClasses = balanceClasses
            self.maxIterations = maxIterations
        }
    }

    /// A model with the given parameters.
    /// - Precondition: `weights.count == classCount * dimension` and `biases.count == classCount`.
    public init(classCount: Int, dimension: Int, weights: [Float], biases: [Float]) {
        precondition(weights.count == classCount * dimension && biases.count == classCount,
                     "SoftmaxRegression: parameter sizes do not match \(classCount) × \(dimension)")
        self.classCount = classCount
        self.dimension = dimension
        self.weights = weights
        self.biases = biases
    }

    /// Trains a model on `count` feature rows (`features` is `count × dimension`, row-major).
    /// - Parameters:
    ///   - labels: One class index in `0..<classCount` per row.
    ///   - sampleWeights: Optional weight per row (multiplied with the class balancing, if any).
    ///   - initial: Parameters to start from (warm start), e.g. a model trained with a larger `l2`.
    /// - Precondition: sizes agree, labels are in range, `classCount >= 2`.
    public static func train(
        features: [Float], count: Int, dimension: Int, labels: [Int], classCount: Int,
        sampleWeights: [Float]? = nil, options: Options = Options(), initial: SoftmaxRegression? = nil
    ) -> SoftmaxRegression {
        precondition(classCount >= 2, "SoftmaxRegression needs at least two classes")
        precondition(features.count == count * dimension && labels.count == count, "SoftmaxRegression: sizes differ")
        precondition(labels.allSatisfy { (0..<classCount).contains($0) }, "SoftmaxRegression: label out of range")
        let problem = Problem(
            features: features, count: count, dimension: dimension, labels: labels, classCount: classCount,
            weights: Self.rowWeights(labels: labels, classCount: classCount, sampleWeights: sampleWeights,
                                     balance: options.balanceClasses),
            l2: options.l2)
        var x: [Double]
        if let initial, initial.classCount == classCount, initial.dimension == dimension {
            x = initial.weights.map(Double.init) + initial.biases.map(Double.init)
        } else {
            x = [Double](repeating: 0, count: classCount * dimension + classCount)
        }
        _ = LBFGS.minimize(&x, options: LBFGS.Options(maxIterations: options.maxIterations)) { x, gradient in
            problem.evaluate(x, gradient: &gradient)
        }
        let split = classCount * dimension
        return SoftmaxRegression(
            classCount: classCount, dimension: dimension, weights: x[..<split].map(Float.init),
            biases: x[split...].map(Float.init))
    }

    private enum CodingKeys: String, CodingKey {
        case classCount, dimension, weights, biases
    }

    /// Decodes a model; the weights are packed (base64 Float32, see `PackedFloats`).
    /// - Throws: `DecodingError` when the sizes do not match.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        classCount = try container.decode(Int.self, forKey: .classCount)
        dimension = try container.decode(Int.self, forKey: .dimension)
        weights = try container.decode(PackedFloats.self, forKey: .weights).values
        biases = try container.decode([Float].self, forKey: .biases)
        guard classCount >= 2, dimension >= 0, weights.count == classCount * dimension, biases.count == classCount
        else {
            throw DecodingError.dataCorruptedError(
                forKey: .weights, in: container, debugDescription: "sizes do not match \(classCount) × \(dimension)")
        }
    }

    /// Encodes the model with packed weights.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(classCount, forKey: .classCount)
        try container.encode(dimension, forKey: .dimension)
        try container.encode(PackedFloats(weights), forKey: .weights)
        try container.encode(biases, forKey: .biases)
    }

    /// Class probabilities of one vector.
    public func probabilities(for vector: [Float]) -> [Float] {
        probabilities(features: vector, count: 1)
    }

    /// Class probabilities of `count` rows: a `count × classCount` row-major matrix.
    public func probabilities(features: [Float], count: Int) -> [Float] {
        precondition(features.count == count * dimension, "SoftmaxRegression: expected \(count) × \(dimension) features")
        var scores = logits(features: features, count: count)
        for row in 0..<count { Self.softmax(&scores, row: row, width: classCount) }
        return scores
    }

    /// The most probable class of each of `count` rows.
    public func predict(features: [Float], count: Int) -> [Int] {
        let scores = logits(features: features, count: count)
        return (0..<count).map { row in
            var best = 0
            for c in 1..<classCount where scores[row * classCount + c] > scores[row * classCount + best] { best = c }
            return best
        }
    }

    /// Raw scores `x · Wᵀ + b`, `count × classCount`.
    func logits(features: [Float], count: Int) -> [Float] {
        var scores = [Float](repeating: 0, count: count * classCount)
        guard count > 0 else { return scores }
        for row in 0..<count {
            for c in 0..<classCount { scores[row * classCount + c] = biases[c] }
        }
        features.withUnsafeBufferPointer { x in
            weights.withUnsafeBufferPointer { w in
                scores.withUnsafeMutableBufferPointer { z in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(count), Int32(classCount),
                                Int32(dimension), 1, x.baseAddress, Int32(dimension), w.baseAddress,
                                Int32(dimension), 1, z.baseAddress, Int32(classCount))
                }
            }
        }
        return scores
    }

    /// Replaces row `row` of `values` (rows of `width`) by its softmax; returns that row's log-sum-exp.
    @discardableResult
    static func softmax(_ values: inout [Float], row: Int, width: Int) -> Float {
        values.withUnsafeMutableBufferPointer { buffer in
            softmax(buffer.baseAddress! + row * width, width: width)
        }
    }

    /// In-place softmax of `width` values; returns their log-sum-exp.
    @discardableResult
    static func softmax(_ line: UnsafeMutablePointer<Float>, width: Int) -> Float {
        var top = line[0]
        for c in 1..<width { top = max(top, line[c]) }
        var sum: Float = 0
        for c in 0..<width {
            line[c] = expf(line[c] - top)
            sum += line[c]
        }
        for c in 0..<width { line[c] /= sum }
        return top + logf(sum)
    }

    /// Per-row weights normalised to sum 1: optional class balancing times optional sample weights.
    static func rowWeights(labels: [Int], classCount: Int, sampleWeights: [Float]?, balance: Bool) -> [Float] {
        var weights = sampleWeights ?? [Float](repeating: 1, count: labels.count)
        precondition(weights.count == labels.count, "SoftmaxRegression: one sample weight per row")
        if balance {
            var sizes = [Float](repeating: 0, count: classCount)
            for label in labels { sizes[label] += 1 }
            let present = Float(sizes.filter { $0 > 0 }.count)
            for (i, label) in labels.enumerated() { weights[i] *= Float(labels.count) / (present * sizes[label]) }
        }
        let total = weights.reduce(0, +)
        return total > 0 ? weights.map { $0 / total } : weights
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
