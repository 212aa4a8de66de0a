/// Out-of-scope rejection: a threshold on a classifier's confidence below which a text is "unrecognized",
/// calibrated on held-out data (never on the data being reported).
///
/// Two calibrations:
/// - `threshold(inScopeConfidences:keeping:)`: from in-scope held-out confidences alone, the highest threshold
///   that still accepts the fraction `keeping` of them (e.g. 0.95), for when no out-of-scope examples exist;
/// - `threshold(inScope:outOfScope:)`: with held-out out-of-scope examples too, the threshold that maximises the
///   mean of in-scope accuracy (accepted and correct) and out-of-scope recall (rejected).
public enum RejectionCalibration {
    /// A held-out in-scope example: the classifier's confidence and whether its prediction was right.
    public struct Scored: Sendable, Equatable {
        public var confidence: Float
        public var correct: Bool

        public init(confidence: Float, correct: Bool) {
            self.confidence = confidence
            self.correct = correct
        }
    }

    /// What a threshold does on labelled held-out data.
    public struct Outcome: Sendable, Equatable {
        /// In-scope examples accepted and classified correctly, over all in-scope examples.
        public var inScopeAccuracy: Double
        /// In-scope examples accepted (whatever the class), over all in-scope examples.
        public var inScopeAcceptance: Double
        /// Out-of-scope examples rejected, over all out-of-scope examples (0 when there are none).
        public var outOfScopeRecall: Double
    }

    /// The highest threshold that accepts at least `keeping` of the in-scope confidences (accept means
    /// `confidence >= threshold`); 0 for no confidences.
    public static func threshold(inScopeConfidences: [Float], keeping: Double) -> Float {
        guard !inScopeConfidences.isEmpty else { return 0 }
        let sorted = inScopeConfidences.sorted(by: >)
        let accepted = min(sorted.count, max(1, Int((Double(sorted.count) * min(1, max(0, keeping))).rounded(.up))))
        return sorted[accepted - 1]
    }

    /// The threshold maximising `(in-scope accuracy + out-of-scope recall) / 2` over all candidate cut points;
    /// ties keep the lowest threshold (reject as little as possible).
    public static func threshold(inScope: [Scored], outOfScope: [Float]) -> Float {
        guard !outOfScope.isEmpty else {
            return threshold(inScopeConfidences: inScope.map(\.confidence), keeping: 0.95)
        }
        // Candidate thresholds: every observed confidence (accepting it) and just above the largest.
        var candidates = Set(inScope.map(\.confidence) + outOfScope)
        candidates.insert((candidates.max() ?? 0).nextUp)
        var best: Float = 0, bestScore = -1.0
        for candidate in candidates.sorted() {
            let outcome = evaluate(threshold: candidate, inScope: inScope, outOfScope: outOfScope)
            let score = (outcome.inScopeAccuracy + outcome.outOfScopeRecall) / 2
            if score > bestScore + 1e-12 {
                bestScore = score
                best = candidate
            }
        }
        return best
    }

    /// In-scope accuracy, in-scope acceptance and out-of-scope recall at `threshold`.
    public static func evaluate(threshold: Float, inScope: [Scored], outOfScope: [Float]) -> Outcome {
        let accepted = inScope.filter { $0.confidence >= threshold }
        let n = Double(max(1, inScope.count))
        return Outcome(
            inScopeAccuracy: inScope.isEmpty ? 0 : Double(accepted.filter(\.correct).count) / n,
            inScopeAcceptance: inScope.isEmpty ? 0 : Double(accepted.count) / n,
            outOfScopeRecall: outOfScope.isEmpty
                ? 0 : Double(outOfScope.filter { $0 < threshold }.count) / Double(outOfScope.count))
    }
}
