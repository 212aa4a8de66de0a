import ArgumentParser
import Embeddings
import Foundation
import Insights
import Parley

/// `parley eval flags`: precision, recall and false-positive rate of the shipped unsafe-request detector.
struct FlagsEval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flags",
        abstract: "Score the unsafe-request detector on labelled safe/unsafe requests at its default threshold.")

    @Option(help: ArgumentHelp(
        "Labelled requests (repeatable): a JSON list of {instruction, category} (unsafe when the file name "
            + "says harmful, or per row from a label/category of harmful/unsafe vs harmless/safe/safe_alarming), "
            + "or CSV/TSV/JSONL text,label with safe/unsafe or 0/1."))
    var data: [String]
    @Option(help: "Keep only JSON rows whose \"split\" field has this value (e.g. test for the hand-written set).")
    var split: String?
    @Option(help: "Detector weights (default: Sources/Parley/Flags/Data/unsafe_request_minilm.json).")
    var weights: String?
    @Option(help: "Decision threshold (default: the one stored with the weights).") var threshold: Float?
    @Option(help: "Models folder (PARLEY_MODELS).") var models: String?

    func run() async throws {
        guard !data.isEmpty else { throw ValidationError("give at least one --data file") }
        let detector = try UnsafeRequestDetectorFile.load(weights)
        var texts: [String] = [], unsafe: [Bool] = []
        for path in data {
            let rows = try SafetyRequests.load(path, split: split)
            texts += rows.map(\.text)
            unsafe += rows.map(\.unsafe)
        }
        guard !texts.isEmpty else { throw ValidationError("no requests in \(data.joined(separator: ", "))") }
        let embedder = try EmbedderConfiguration(modelName: "minilm", modelsDirectory: models).makeEmbedder()
        guard embedder.modelID == detector.weights.embeddingModel, embedder.dimension == detector.dimension else {
            throw ValidationError("the weights expect \(detector.weights.embeddingModel) embeddings")
        }
        let start = Date()
        let matrix = try await embedder.embedInBackground(texts)
        let scores = detector.scores(embeddings: matrix.values, count: matrix.count)
        let cut = threshold ?? detector.threshold
        let m = UnsafeRequestDetector.measure(scores: scores, unsafe: unsafe, threshold: cut)
        print(String(format: "%d requests (%d unsafe, %d safe), threshold %.2f, %.1f s", texts.count, m.positives,
                     m.negatives, cut, Date().timeIntervalSince(start)))
        print(String(format: "precision %.4f  recall %.4f  false-positive rate %.4f", m.precision, m.recall,
                     m.falsePositiveRate))
    }
}

/// Labelled safe/unsafe requests from the formats `eval flags` and `train unsafe` read.
enum SafetyRequests {
    static let unsafeLabels: Set<String> = ["unsafe", "1", "harmful", "true", "yes"]
    static let safeLabels: Set<String> = ["safe", "0", "harmless", "false", "no", "safe_alarming"]

    static func load(_ path: String, split: String? = nil) throws -> [(text: String, unsafe: Bool)] {
        if path.hasSuffix(".json") {
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
            guard let rows = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
                throw ValidationError("\(path): expected a JSON list of {\"instruction\": …, \"category\": …}")
            }
            let name = URL(fileURLWithPath: path).lastPathComponent.lowercased()
            let fileUnsafe: Bool? = name.contains("harmless") ? false : name.contains("harmful") ? true : nil
            return try rows.enumerated().compactMap { i, row in
                if let split, (row["split"] as? String) != split { return nil }
                guard let text = row["instruction"] as? String ?? row["text"] as? String else {
                    throw ValidationError("\(path) row \(i + 1): no instruction")
                }
                if let fileUnsafe { return (text, fileUnsafe) }
                let label = ((row["label"] as? String) ?? (row["category"] as? String) ?? "").lowercased()
                return (text, try unsafe(label, where: "\(path) row \(i + 1)"))
            }
        }
        let (texts, labels) = try LabelledTexts.load(path)
        return try zip(texts, labels).enumerated().map { i, pair in
            (pair.0, try unsafe(pair.1.lowercased(), where: "\(path) row \(i + 1)"))
        }
    }

    private static func unsafe(_ label: String, where place: String) throws -> Bool {
        if unsafeLabels.contains(label) { return true }
        if safeLabels.contains(label) { return false }
        throw ValidationError("\(place): label '\(label)' is neither safe (safe, 0) nor unsafe (unsafe, 1)")
    }
}

/// Where the shipped detector weights live, and loading them.
enum UnsafeRequestDetectorFile {
    static let name = "unsafe_request_minilm.json"

    static func defaultPath() throws -> String {
        try ResourceLocator.folder(named: "Sources/Parley/Flags/Data") + "/" + name
    }

    static func load(_ path: String?) throws -> UnsafeRequestDetector {
        let path = try path ?? defaultPath()
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read detector weights \(path) (train them with `parley train unsafe`)")
        }
        do {
            return try UnsafeRequestDetector(weightsJSON: data)
        } catch {
            throw ValidationError("\(path): not detector weights: \(error)")
        }
    }
}
