import ArgumentParser
import Embeddings
import Foundation
import Insights
import Parley

/// `parley eval intents`: trains the production intent classifier on one labelled file and scores it on another.
///
/// Out-of-scope handling: rows labelled `oos`, `out_of_scope`, `out-of-scope` or `unrecognized` never train the
/// classifier. The rejection threshold is calibrated on training data only: on the out-of-fold confidences of
/// the in-scope training rows, together with the confidences of the training set's out-of-scope rows when it has
/// some (maximising the mean of in-scope accuracy and out-of-scope recall), else the threshold that keeps 95% of
/// held-out in-scope rows. The test set only measures.
struct IntentEval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intents",
        abstract: "Train the intent classifier on labelled texts and report accuracy and macro-F1 on a test set.")

    @Option(help: "Training texts: CSV text,label / TSV / JSONL / HWU64 folder (as `eval cluster --data`).")
    var train: String
    @Option(help: "Test texts, same formats.") var test: String
    @Option(help: "Use only N random examples per intent from the training file (few-shot).") var shots: Int?
    @Option(help: "minilm or potion: the primary embedder (minilm adds potion as a second view).")
    var embedder: String = "minilm"
    @Option(help: "Seed of the few-shot sample and of the cross-validation folds.") var seed: UInt64 = 1
    @Option(help: "Models folder (PARLEY_MODELS).") var models: String?

    static let outOfScopeLabels: Set<String> = ["oos", "out_of_scope", "out-of-scope", "unrecognized"]

    func run() async throws {
        var (trainTexts, trainLabels) = try LabelledTexts.load(train)
        let (testTexts, testLabels) = try LabelledTexts.load(test)
        guard !trainTexts.isEmpty, !testTexts.isEmpty else { throw ValidationError("no labelled texts to use") }
        let isOutOfScope = { (label: String) in Self.outOfScopeLabels.contains(label.lowercased()) }
        let intents = Array(Set(trainLabels.filter { !isOutOfScope($0) })).sorted()
        guard intents.count >= 2 else { throw ValidationError("the training file needs at least two intents") }
        let index = Dictionary(uniqueKeysWithValues: intents.enumerated().map { ($1, $0) })

        let outOfScopeTrain = zip(trainTexts, trainLabels).filter { isOutOfScope($1) }.map(\.0)
        var inScope = zip(trainTexts, trainLabels).filter { !isOutOfScope($1) }
        if let shots {
            guard shots > 0 else { throw ValidationError("--shots must be positive") }
            let rows = StratifiedSplit.sample(labels: inScope.map { index[$0.1]! }, perClass: shots, seed: seed)
            inScope = rows.map { inScope[$0] }
        }
        (trainTexts, trainLabels) = (inScope.map(\.0), inScope.map(\.1))
        let trainY = trainLabels.map { index[$0]! }

        let primary = try EmbedderConfiguration(modelName: embedder, modelsDirectory: models).makeEmbedder()
        let secondary = primary.modelID.lowercased().contains("minilm")
            ? try EmbedderConfiguration(modelName: "potion", modelsDirectory: models).makeEmbedder() : nil
        let testOOS = testLabels.filter(isOutOfScope).count
        print("""
            train \(trainTexts.count) texts, \(intents.count) intents\(shots.map { " (\($0)-shot, seed \(seed))" } ?? "")\
            \(outOfScopeTrain.isEmpty ? "" : ", \(outOfScopeTrain.count) out-of-scope for calibration"); \
            test \(testTexts.count) texts\(testOOS > 0 ? " (\(testOOS) out-of-scope)" : ""); \
            embedder \(primary.modelID)\(secondary.map { " + " + $0.modelID } ?? "")
            """)

        var start = Date()
        func features(_ texts: [String]) async throws -> IntentFeatures {
            let a = try await primary.embedInBackground(texts)
            let b = try await secondary?.embedInBackground(texts)
            return try IntentFeatures(embeddings: a.values, dimension: a.dimension, secondary: b?.values,
                                      secondaryDimension: b?.dimension ?? 0, texts: texts)
        }
        let trainFeatures = try await features(trainTexts)
        let testFeatures = try await features(testTexts)
        let oosFeatures = outOfScopeTrain.isEmpty ? nil : try await features(outOfScopeTrain)
        print(String(format: "embedded in %.1f s", Date().timeIntervalSince(start)))

        start = Date()
        var options = IntentClassifier.Options()
        options.seed = seed
        let trainOptions = options
        let training = try await offThread {
            try IntentClassifier.train(trainFeatures, labels: trainY, classCount: intents.count, options: trainOptions)
        }
        let classifier = training.classifier
        let s = classifier.selection
        print(String(format: "trained in %.1f s: weights dense %.1f lexical %.1f neighbours %.1f, L2 %g / %@, "
                     + "temperature %.2f, cross-validated accuracy %.4f",
                     Date().timeIntervalSince(start), s.weights[0], s.weights[1], s.weights[2], s.denseL2,
                     s.lexicalL2.map { String(format: "%g", $0) } ?? "-", s.temperature, s.crossValidatedAccuracy))

        // Rejection threshold from training data only.
        let k = intents.count
        let outOfFold = training.outOfFoldProbabilities
        let scored = zip(training.outOfFoldPredictions, trainY).enumerated().map { row, pair in
            RejectionCalibration.Scored(confidence: outOfFold[row * k + pair.0], correct: pair.0 == pair.1)
        }
        let oosConfidences = try oosFeatures.map { try classifier.predict($0).map(\.confidence) } ?? []
        let threshold = RejectionCalibration.threshold(inScope: scored, outOfScope: oosConfidences)

        start = Date()
        let predictions = try classifier.predict(testFeatures)
        let seconds = Date().timeIntervalSince(start)
        if testOOS == 0 {
            let truth = try testLabels.map { label -> Int in
                guard let id = index[label] else { throw ValidationError("test label '\(label)' is not in training") }
                return id
            }
            let metrics = ClassificationMetrics(truth: truth, predicted: predictions.map(\.label), classCount: k)
            print(String(format: "accuracy %.4f  macro-F1 %.4f  (%d test texts predicted in %.2f s)",
                         metrics.accuracy, metrics.macroF1, testTexts.count, seconds))
            return
        }
        // With out-of-scope test rows: out-of-scope is one more class, predicted when confidence < threshold.
        let truth = testLabels.map { isOutOfScope($0) ? k : (index[$0] ?? k) }
        let predicted = predictions.map { $0.confidence >= threshold ? $0.label : k }
        let metrics = ClassificationMetrics(truth: truth, predicted: predicted, classCount: k + 1)
        let inScopeRows = truth.indices.filter { truth[$0] < k }
        let outcome = RejectionCalibration.evaluate(
            threshold: threshold,
            inScope: inScopeRows.map {
                .init(confidence: predictions[$0].confidence, correct: predictions[$0].label == truth[$0])
            },
            outOfScope: truth.indices.filter { truth[$0] == k }.map { predictions[$0].confidence })
        print(String(format: "accuracy %.4f  macro-F1 %.4f  (out-of-scope as a class; %d texts predicted in %.2f s)",
                     metrics.accuracy, metrics.macroF1, testTexts.count, seconds))
        print(String(format: "threshold %.3f (%@): in-scope accuracy %.4f, in-scope accepted %.4f, out-of-scope recall %.4f",
                     threshold, oosConfidences.isEmpty ? "keeps 95% of held-out in-scope" : "calibrated with training out-of-scope",
                     outcome.inScopeAccuracy, outcome.inScopeAcceptance, outcome.outOfScopeRecall))
    }
}
