import Foundation
import Testing

@testable import Insights

@Suite struct IntentClassificationTests {
    @Test func metricsMatchHandComputedValues() {
        // truth:     0 0 0 1 1 2
        // predicted: 0 0 1 1 2 2
        let m = ClassificationMetrics(truth: [0, 0, 0, 1, 1, 2], predicted: [0, 0, 1, 1, 2, 2], classCount: 3)
        #expect(m.accuracy == 4.0 / 6)
        #expect(m.confusion == [2, 1, 0, 0, 1, 1, 0, 0, 1])
        // Class 0: P 1, R 2/3, F1 0.8. Class 1: P 1/2, R 1/2, F1 1/2. Class 2: P 1/2, R 1, F1 2/3.
        #expect(abs(m.macroF1 - (0.8 + 0.5 + 2.0 / 3) / 3) < 1e-12)
        // A rejected prediction (-1) counts against recall only.
        let r = ClassificationMetrics(truth: [0, 0, 1, 1], predicted: [0, -1, 1, 1], classCount: 2)
        #expect(r.accuracy == 0.75)
        #expect(r.rejected == [1, 0])
        #expect(abs(r.macroF1 - (2.0 / 3 + 1) / 2) < 1e-12)
    }

    @Test func stratifiedSplitKeepsEveryClassOnBothSides() {
        let labels = (0..<100).map { $0 % 4 } + [4, 4, 5]
        let (train, heldOut) = StratifiedSplit.split(labels: labels, heldOutFraction: 0.2, seed: 1)
        #expect(Set(train).isDisjoint(with: heldOut))
        #expect((train + heldOut).sorted() == Array(labels.indices))
        for c in 0..<4 { #expect(heldOut.filter { labels[$0] == c }.count == 5) }
        #expect(heldOut.filter { labels[$0] == 4 }.count == 1)
        #expect(!heldOut.contains(102))  // a single-example class stays in training
        #expect(StratifiedSplit.split(labels: labels, heldOutFraction: 0.2, seed: 1).heldOut == heldOut)

        let folds = StratifiedSplit.folds(labels: labels, folds: 5, seed: 3)
        for c in 0..<4 {
            let sizes = (0..<5).map { f in labels.indices.filter { labels[$0] == c && folds[$0] == f }.count }
            #expect(sizes.allSatisfy { $0 == 5 })
        }
        let shots = StratifiedSplit.sample(labels: labels, perClass: 3, seed: 2)
        #expect(shots.count == 4 * 3 + 2 + 1)
    }

    @Test func prototypesClassifyToyDataAndLeaveOneOutIsHonest() {
        let train = Fixtures.blobs(clusters: 4, perCluster: 5, dimension: 12, spread: 0.1, seed: 21)
        let test = Fixtures.blobs(clusters: 4, perCluster: 10, dimension: 12, spread: 0.1, seed: 21)
        let classifier = PrototypeClassifier(examples: train.vectors, labels: train.labels, dimension: 12, classCount: 4)
        let predictions = classifier.predict(queries: test.vectors, count: test.labels.count)
        #expect(predictions.map(\.label) == test.labels)
        #expect(predictions.allSatisfy { $0.similarity > 0.8 && $0.margin > 0 })
        let held = classifier.leaveOneOutPredictions()
        #expect(held.map(\.label) == train.labels)
        // Leaving the example out can only lower its similarity to its own intent.
        let own = classifier.similarities(queries: train.vectors, count: train.labels.count)
        for (row, label) in train.labels.enumerated() { #expect(held[row].similarity <= own[row * 4 + label] + 1e-5) }
    }

    @Test func descriptionAloneMakesAPrototype() {
        // Intent 1 has no examples, only a description along axis 1.
        let classifier = PrototypeClassifier(
            examples: [1, 0, 0], labels: [0], dimension: 3, classCount: 2, descriptions: [0, 0, 0, 0, 1, 0])
        #expect(classifier.predict(queries: [0.1, 0.9, 0], count: 1)[0].label == 1)
        #expect(classifier.predict(queries: [0.9, 0.1, 0], count: 1)[0].label == 0)
    }

    @Test func higherThresholdAcceptsFewer() {
        var generator = SplitMix64(seed: 4)
        let inScope = (0..<200).map { _ in
            RejectionCalibration.Scored(confidence: Float(generator.unit()), correct: generator.unit() < 0.8)
        }
        let outOfScope = (0..<50).map { _ in Float(generator.unit()) * 0.6 }
        var previous = RejectionCalibration.evaluate(threshold: 0, inScope: inScope, outOfScope: outOfScope)
        #expect(previous.inScopeAcceptance == 1)
        for t in stride(from: Float(0.05), through: 1.01, by: 0.05) {
            let outcome = RejectionCalibration.evaluate(threshold: t, inScope: inScope, outOfScope: outOfScope)
            #expect(outcome.inScopeAcceptance <= previous.inScopeAcceptance)
            #expect(outcome.inScopeAccuracy <= previous.inScopeAccuracy)
            #expect(outcome.outOfScopeRecall >= previous.outOfScopeRecall)
            previous = outcome
        }
        // Keeping more in-scope rows needs a lower threshold.
        let confidences = inScope.map(\.confidence)
        let thresholds = [0.5, 0.8, 0.9, 0.95, 0.99].map {
            RejectionCalibration.threshold(inScopeConfidences: confidences, keeping: $0)
        }
        #expect(thresholds == thresholds.sorted(by: >))
        let kept = confidences.filter { $0 >= thresholds[3] }.count
        #expect(kept >= 190 && kept <= 191)
        // With out-of-scope examples all below 0.6 and in-scope spread over [0, 1), the cut lands between.
        let t = RejectionCalibration.threshold(inScope: inScope, outOfScope: outOfScope)
        #expect(t > 0.3 && t <= 0.61)
    }

    @Test func lexicalFeaturesCountWordsAndBigrams() {
        #expect(LexicalFeatures.terms(of: "Top-up failed, didn't work!") == [
            "top", "up", "failed", "didn't", "work", "top up", "up failed", "failed didn't", "didn't work",
        ])
        let features = LexicalFeatures(fitting: ["card arrived", "card lost", "lost card", "pin blocked"])
        #expect(features.terms == ["card", "lost"])
        let rows = features.transform(["my card was lost", "nothing here"])
        #expect(rows.count == 2)
        #expect(rows.starts == [0, 2, 2])
        let norm = rows.values.reduce(0) { $0 + $1 * $1 }
        #expect(abs(norm - 1) < 1e-5)
    }

    @Test func intentClassifierLearnsToyIntentsAndRoundTrips() throws {
        let train = Fixtures.blobs(clusters: 4, perCluster: 15, dimension: 16, spread: 0.3, seed: 31)
        let test = Fixtures.blobs(clusters: 4, perCluster: 10, dimension: 16, spread: 0.3, seed: 31)
        let words = ["refund please", "card lost", "change pin", "top up"]
        func features(_ data: (vectors: [Float], labels: [Int])) throws -> IntentFeatures {
            try IntentFeatures(embeddings: data.vectors, dimension: 16, texts: data.labels.map { words[$0] })
        }
        var options = IntentClassifier.Options()
        options.denseL2 = [1e-3, 1e-4]
        options.lexicalL2 = [1e-3]
        let training = try IntentClassifier.train(features(train), labels: train.labels, classCount: 4,
                                                  options: options)
        let classifier = training.classifier
        let predictions = try classifier.predict(features(test))
        #expect(predictions.map(\.label) == test.labels)
        #expect(training.outOfFoldPredictions.count == train.labels.count)
        #expect(abs(classifier.selection.weights.reduce(0, +) - 1) < 1e-9)
        let decoded = try JSONDecoder().decode(IntentClassifier.self, from: JSONEncoder().encode(classifier))
        let again = try decoded.predict(features(test))
        #expect(zip(again, predictions).allSatisfy { $0.label == $1.label && abs($0.confidence - $1.confidence) < 1e-6 })
        // Features of another shape are refused with an error, not a crash.
        #expect(throws: IntentClassifierError.self) {
            try classifier.predict(IntentFeatures(embeddings: [Float](repeating: 0, count: 8), dimension: 8))
        }
        #expect(throws: IntentClassifierError.self) {
            try IntentFeatures(embeddings: [1, 2, 3], dimension: 2)
        }
    }

    @Test func unsafeDetectorTrainsFromWeightedGroupsAndLoadsFromJSON() throws {
        // Unsafe requests point along +x; safe along -x; an "alarming but safe" group sits near the unsafe side.
        var generator = SplitMix64(seed: 6)
        func group(_ centre: [Float], _ n: Int) -> [Float] {
            (0..<n).flatMap { _ in Fixtures.unit(centre.map { $0 + 0.1 * Fixtures.gaussian(&generator) }) }
        }
        let unsafe = group([1, 0, 0], 10), safe = group([-1, 0, 0], 300), alarming = group([0.6, 0.8, 0], 10)
        let detector = try UnsafeRequestDetector.train(
            groups: [.init(embeddings: unsafe, unsafe: true, share: 0.4),
                     .init(embeddings: safe, unsafe: false, share: 0.3),
                     .init(embeddings: alarming, unsafe: false, share: 0.3)],
            dimension: 3, l2: 1e-4, embeddingModel: "toy")
        #expect(detector.score(Fixtures.unit([1, 0.05, 0])) > 0.5)
        #expect(detector.score([-1, 0, 0]) < 0.5)
        #expect(detector.score(Fixtures.unit([0.6, 0.8, 0])) < 0.5)
        let loaded = try UnsafeRequestDetector(weightsJSON: Array(detector.json()))
        #expect(loaded.weights == detector.weights)
        #expect(throws: (any Error).self) { try UnsafeRequestDetector(weightsJSON: Array("{}".utf8)) }
        let m = UnsafeRequestDetector.measure(scores: [0.9, 0.8, 0.2, 0.6, 0.1], unsafe: [true, true, true, false, false],
                                              threshold: 0.5)
        #expect(m.precision == 2.0 / 3 && m.recall == 2.0 / 3 && m.falsePositiveRate == 0.5)
    }
}
