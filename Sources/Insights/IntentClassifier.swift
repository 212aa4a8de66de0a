/// A supervised intent classifier: a weighted mixture of three views of each text, each good at different errors.
///
/// - `dense`: softmax regression on the embeddings (primary and, if given, second embedding side by side);
/// - `lexical`: softmax regression on word unigram and bigram TF-IDF (exact wording), when texts are given;
/// - `neighbours`: a k-nearest-neighbour vote over the primary embeddings of the training examples.
///
/// Every hyper-parameter (the two L2 penalties, the vote temperature, the mixture weights) is chosen by stratified
/// k-fold cross-validation on the training data only; the out-of-fold probabilities are returned with the model
/// so a rejection threshold can be calibrated without touching any test set (see `RejectionCalibration`).
public struct IntentClassifier: Codable, Sendable {
    /// Number of intents.
    public let classCount: Int
    /// Primary embedding length the model expects.
    public let dimension: Int
    /// Second embedding length the model expects (0: none).
    public let secondaryDimension: Int
    /// Regression on the embeddings.
    public let dense: SoftmaxRegression
    /// Vocabulary of the lexical view (nil when trained without texts).
    public let lexicalFeatures: LexicalFeatures?
    /// Regression on the lexical view.
    public let lexical: SoftmaxRegression?
    /// Nearest-neighbour vote (nil when its mixture weight is 0).
    public let neighbours: NeighbourVote?
    /// The hyper-parameters cross-validation chose.
    public let selection: Selection

    /// Hyper-parameters chosen by cross-validation, and the out-of-fold accuracy they reached.
    public struct Selection: Codable, Sendable, Equatable {
        public var denseL2: Double
        public var lexicalL2: Double?
        public var temperature: Float
        /// Mixture weights of the dense, lexical and neighbour views (summing to 1).
        public var weights: [Double]
        /// Out-of-fold accuracy of the mixture on the training data.
        public var crossValidatedAccuracy: Double
    }

    /// Settings of `train`.
    public struct Options: Sendable {
        /// Cross-validation folds; nil chooses 5 below 5,000 rows (out-of-fold estimates of small sets are noisy)
        /// and 3 above (each fold already has thousands of rows, and training time grows with the folds).
        public var folds: Int?
        /// Seed of the fold assignment.
        public var seed: UInt64 = 1
        /// Candidate L2 penalties of the dense view.
        public var denseL2: [Double] = [3e-5, 1e-5, 3e-6]
        /// Candidate L2 penalties of the lexical view.
        public var lexicalL2: [Double] = [1e-4, 3e-5, 1e-5, 3e-6]
        /// Candidate vote temperatures of the neighbour view.
        public var temperatures: [Float] = [0.02, 0.05, 0.1]
        /// Neighbours that vote.
        public var neighbours = 10
        /// Step of the grid of mixture weights.
        public var mixtureStep = 0.1
        /// Most L-BFGS iterations per fit.
        public var maxIterations = 300

        /// The defaults.
        public init() {}
    }

    /// A trained classifier with what cross-validation saw.
    public struct Training: Sendable {
        /// The classifier, refitted on all the training data.
        public let classifier: IntentClassifier
        /// Out-of-fold mixture probabilities of every training row, `count × classCount`.
        public let outOfFoldProbabilities: [Float]
        /// Out-of-fold predicted class of every training row.
        public var outOfFoldPredictions: [Int] {
            ClassProbabilities.argmax(outOfFoldProbabilities, width: classifier.classCount)
        }
    }

    /// Trains on labelled features, choosing hyper-parameters by cross-validation.
    /// - Throws: `IntentClassifierError` for fewer than two classes, labels out of range or no rows.
    public static func train(
        _ features: IntentFeatures, labels: [Int], classCount: Int, options: Options = Options()
    ) throws -> Training {
        guard classCount >= 2 else { throw IntentClassifierError.training("at least two intents are needed") }
        guard features.count > 0, labels.count == features.count else {
            throw IntentClassifierError.training("\(labels.count) labels for \(features.count) rows")
        }
        guard labels.allSatisfy({ (0..<classCount).contains($0) }) else {
            throw IntentClassifierError.training("a label is outside 0..<\(classCount)")
        }
        let search = CrossValidation(features: features, labels: labels, classCount: classCount, options: options)
        let (selection, outOfFold) = search.run()
        let classifier = fit(features, labels: labels, classCount: classCount, selection: selection, options: options)
        return Training(classifier: classifier, outOfFoldProbabilities: outOfFold)
    }

    /// Fits every view with weight above 0 on all rows with the given hyper-parameters.
    static func fit(
        _ features: IntentFeatures, labels: [Int], classCount: Int, selection: Selection, options: Options
    ) -> IntentClassifier {
        let regression = SoftmaxRegression.Options(l2: selection.denseL2, maxIterations: options.maxIterations)
        let dense = SoftmaxRegression.train(
            features: features.dense, count: features.count, dimension: features.denseDimension, labels: labels,
            classCount: classCount, options: regression)
        var lexicalFeatures: LexicalFeatures?, lexical: SoftmaxRegression?
        if let texts = features.texts, let l2 = selection.lexicalL2, selection.weights[1] > 0 {
            let vocabulary = LexicalFeatures(fitting: texts)
            lexicalFeatures = vocabulary
            lexical = SoftmaxRegression.train(
                sparse: vocabulary.transform(texts), labels: labels, classCount: classCount,
                options: .init(l2: l2, maxIterations: options.maxIterations))
        }
        let neighbours = selection.weights[2] > 0
            ? NeighbourVote(vectors: features.embeddings, labels: labels, dimension: features.dimension,
                            classCount: classCount, k: options.neighbours, temperature: selection.temperature)
            : nil
        return IntentClassifier(
            classCount: classCount, dimension: features.dimension, secondaryDimension: features.secondaryDimension,
            dense: dense, lexicalFeatures: lexicalFeatures, lexical: lexical, neighbours: neighbours,
            selection: selection)
    }

    /// Class probabilities of every row, `count × classCount`.
    /// - Throws: `IntentClassifierError` when the features' shape differs from the training features'.
    public func probabilities(_ features: IntentFeatures) throws -> [Float] {
        guard features.dimension == dimension, features.secondaryDimension == secondaryDimension else {
            throw IntentClassifierError.mismatch(
                "expected embeddings of \(dimension) (+\(secondaryDimension)), got \(features.dimension) "
                    + "(+\(features.secondaryDimension))")
        }
        if lexical != nil, features.texts == nil {
            throw IntentClassifierError.mismatch("the model uses the texts; pass them")
        }
        let weights = selection.weights
        var mixture = dense.probabilities(features: features.dense, count: features.count)
        for i in mixture.indices { mixture[i] *= Float(weights[0]) }
        if let lexical, let lexicalFeatures, let texts = features.texts {
            let p = lexical.probabilities(sparse: lexicalFeatures.transform(texts))
            for i in mixture.indices { mixture[i] += Float(weights[1]) * p[i] }
        }
        if let neighbours {
            let p = neighbours.probabilities(queries: features.embeddings, count: features.count)
            for i in mixture.indices { mixture[i] += Float(weights[2]) * p[i] }
        }
        return mixture
    }

    /// The most probable intent of every row and its probability (the confidence to compare with a rejection
    /// threshold).
    public func predict(_ features: IntentFeatures) throws -> [(label: Int, confidence: Float)] {
        let p = try probabilities(features)
        return ClassProbabilities.argmax(p, width: classCount).enumerated().map { row, label in
            (label, p[row * classCount + label])
        }
    }
}

/// Small helpers over row-major probability matrices.
public enum ClassProbabilities {
    /// The index of the largest value in every row of `width`.
    public static func argmax(_ values: [Float], width: Int) -> [Int] {
        guard width > 0 else { return [] }
        return (0..<(values.count / width)).map { row in
            var best = 0
            for c in 1..<width where values[row * width + c] > values[row * width + best] { best = c }
            return best
        }
    }

    /// The largest value in every row of `width` (a classifier's confidence).
    public static func maxima(_ values: [Float], width: Int) -> [Float] {
        guard width > 0 else { return [] }
        return (0..<(values.count / width)).map { row in values[(row * width)..<((row + 1) * width)].max() ?? 0 }
    }
}
