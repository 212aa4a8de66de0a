/// Held-out metrics of a classifier: accuracy, macro-F1, the confusion matrix.
///
/// Labels are dense class indices in `0..<classCount`; a prediction of `-1` (or any index outside that range)
/// means "rejected" and is counted as wrong for every class it is compared with.
public struct ClassificationMetrics: Sendable, Equatable {
    /// Number of classes.
    public let classCount: Int
    /// `confusion[truth * classCount + predicted]`: how often class `truth` was predicted as `predicted`;
    /// rejected predictions are not in the matrix (see `rejected`).
    public let confusion: [Int]
    /// Per true class, how many of its examples were rejected.
    public let rejected: [Int]

    /// Counts the pairs of `truth` and `predicted`.
    /// - Precondition: both have the same length and every truth is in `0..<classCount`.
    public init(truth: [Int], predicted: [Int], classCount: Int) {
        precondition(truth.count == predicted.count, "ClassificationMetrics: label arrays differ in length")
        var confusion = [Int](repeating: 0, count: classCount * classCount)
        var rejected = [Int](repeating: 0, count: classCount)
        for (t, p) in zip(truth, predicted) {
            precondition((0..<classCount).contains(t), "ClassificationMetrics: true label \(t) out of range")
            if (0..<classCount).contains(p) { confusion[t * classCount + p] += 1 } else { rejected[t] += 1 }
        }
        self.classCount = classCount
        self.confusion = confusion
        self.rejected = rejected
    }

    /// Number of examples.
    public var count: Int { confusion.reduce(0, +) + rejected.reduce(0, +) }

    /// Fraction predicted correctly (0 for no examples).
    public var accuracy: Double {
        let correct = (0..<classCount).reduce(0) { $0 + confusion[$1 * classCount + $1] }
        return count > 0 ? Double(correct) / Double(count) : 0
    }

    /// Per class: precision, recall and F1 (each 0 when undefined), and its number of true examples.
    public var perClass: [(precision: Double, recall: Double, f1: Double, support: Int)] {
        (0..<classCount).map { c in
            let truePositives = Double(confusion[c * classCount + c])
            let predicted = Double((0..<classCount).reduce(0) { $0 + confusion[$1 * classCount + c] })
            let support = (0..<classCount).reduce(0) { $0 + confusion[c * classCount + $1] } + rejected[c]
            let precision = predicted > 0 ? truePositives / predicted : 0
            let recall = support > 0 ? truePositives / Double(support) : 0
            let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            return (precision, recall, f1, support)
        }
    }

    /// Unweighted mean of the per-class F1 over classes that occur in the truth or the predictions
    /// (scikit-learn's `f1_score(average="macro")` over the labels present).
    public var macroF1: Double {
        let classes = perClass.enumerated().filter { c, stats in
            stats.support > 0 || (0..<classCount).contains { confusion[$0 * classCount + c] > 0 }
        }
        guard !classes.isEmpty else { return 0 }
        return classes.reduce(0) { $0 + $1.element.f1 } / Double(classes.count)
    }
}
