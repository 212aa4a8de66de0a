import ArgumentParser
import Embeddings
import Foundation
import Insights
import Parley

/// `parley train`: trains the models Parley ships.
struct Train: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the models that ship with Parley.", subcommands: [UnsafeTrain.self])
}

/// `parley train unsafe`: the unsafe-request detector from public data plus the hand-written set beside the weights.
///
/// Training data: `harmful_train` (unsafe) and `harmless_train` (safe) of safety_prompts, and the rows of
/// `unsafe_request_extra.json` whose split is `train` (hand-written harmful requests join the harmful group; safe
/// requests that merely sound alarming form their own group). Groups get fixed shares of the total weight
/// (harmful 0.4, harmless 0.3, alarming-but-safe 0.3), which handles the 1:70 imbalance of the public data.
/// Held out and reported: `harmful_val` + `harmless_val`, and the extra file's `test` rows.
struct UnsafeTrain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unsafe", abstract: "Train the unsafe-request detector and write its weights (JSON).")

    @Option(help: "Where to write the weights.") var out: String
    @Option(help: "The safety_prompts folder (harmful_train.json, harmless_train.json, *_val.json).")
    var safetyPrompts: String = "../shared/data/safety_prompts"
    @Option(help: "Hand-written requests (default: unsafe_request_extra.json beside the shipped weights).")
    var extra: String?
    @Option(help: "L2 penalty.") var l2: Double = 1e-4
    @Option(help: "Decision threshold stored with the weights.") var threshold: Float = 0.5
    @Option(help: "Models folder (PARLEY_MODELS).") var models: String?

    func run() async throws {
        let extraPath = try extra ?? (try ResourceLocator.folder(named: "Sources/Parley/Flags/Data")
            + "/unsafe_request_extra.json")
        func file(_ name: String) -> String { safetyPrompts + "/" + name + ".json" }
        let harmful = try SafetyRequests.load(file("harmful_train")).map(\.text)
        let harmless = try SafetyRequests.load(file("harmless_train")).map(\.text)
        let extraTrain = try SafetyRequests.load(extraPath, split: "train")
        let extraHarmful = extraTrain.filter(\.unsafe).map(\.text)
        let alarming = extraTrain.filter { !$0.unsafe }.map(\.text)

        let embedder = try EmbedderConfiguration(modelName: "minilm", modelsDirectory: models).makeEmbedder()
        print("embedding \(harmful.count + extraHarmful.count) unsafe, \(harmless.count) safe and "
              + "\(alarming.count) alarming-but-safe requests with \(embedder.modelID)…")
        var start = Date()
        let unsafeVectors = try await embedder.embedInBackground(harmful + extraHarmful).values
        let safeVectors = try await embedder.embedInBackground(harmless).values
        let alarmingVectors = try await embedder.embedInBackground(alarming).values
        print(String(format: "embedded in %.1f s", Date().timeIntervalSince(start)))

        start = Date()
        let notes = [
            "data": "safety_prompts harmful_train (\(harmful.count)) + hand-written harmful (\(extraHarmful.count)) "
                + "vs harmless_train (\(harmless.count)) + hand-written alarming-but-safe (\(alarming.count))",
            "weighting": "group shares: unsafe 0.4, harmless 0.3, alarming-but-safe 0.3",
            "l2": String(l2),
            "trainedBy": "parley train unsafe",
        ]
        let (l2, threshold) = (self.l2, self.threshold)
        let detector = try await offThread {
            try UnsafeRequestDetector.train(
                groups: [
                    .init(embeddings: unsafeVectors, unsafe: true, share: 0.4),
                    .init(embeddings: safeVectors, unsafe: false, share: 0.3),
                    .init(embeddings: alarmingVectors, unsafe: false, share: 0.3),
                ],
                dimension: embedder.dimension, l2: l2, threshold: threshold, embeddingModel: embedder.modelID,
                notes: notes)
        }
        print(String(format: "trained in %.1f s", Date().timeIntervalSince(start)))
        try detector.json().write(to: URL(fileURLWithPath: out))
        print("wrote \(out)")

        for (name, rows) in [
            ("held out: harmful_val + harmless_val",
             try SafetyRequests.load(file("harmful_val")) + SafetyRequests.load(file("harmless_val"))),
            ("held out: hand-written test split", try SafetyRequests.load(extraPath, split: "test")),
            ("held out: hand-written alarming-but-safe only",
             try SafetyRequests.load(extraPath, split: "test").filter { !$0.unsafe }),
        ] {
            let vectors = try await embedder.embedInBackground(rows.map(\.text))
            let m = UnsafeRequestDetector.measure(
                scores: detector.scores(embeddings: vectors.values, count: vectors.count),
                unsafe: rows.map(\.unsafe), threshold: threshold)
            print(String(format: "%@ (%d unsafe, %d safe): precision %.4f  recall %.4f  false-positive rate %.4f",
                         name, m.positives, m.negatives, m.precision, m.recall, m.falsePositiveRate))
        }
    }
}
