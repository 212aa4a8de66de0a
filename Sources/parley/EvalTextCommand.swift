import ArgumentParser
import Embeddings
import Foundation
import HTTPServer
import Insights
import Parley

/// `parley eval text`: which text of a conversation to embed, measured. Each strategy of `EmbeddingText` embeds
/// the same labelled conversations, the production clustering runs with the true number of labels, and NMI/ARI
/// against the labels are printed per group of conversations.
struct TextEval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text",
        abstract: "Compare what text of a conversation is embedded, by clustering labelled conversations.")

    @Option(help: "demo (the demo conversations, labelled by dataset category) or a JSONL file of conversations in the ingest format, each with a \"label\" (or metadata.category).")
    var data: String = "demo"
    @Option(help: "JSONL (or .jsonl.gz) of HH-RLHF-style pairs {\"chosen\", \"rejected\"}: the same user turns answered twice. Measures how often the two land in the same cluster.")
    var pairs: String?
    @Option(help: "minilm or potion.") var embedder: String = "minilm"
    @Option(help: "Number of seeds; the mean is reported.") var seeds: Int = 3
    @Option(help: "Models folder (PARLEY_MODELS).") var models: String?

    func run() async throws {
        let groups = try loadGroups()
        let model = try EmbedderConfiguration(modelName: embedder, modelsDirectory: models).makeEmbedder()
        print("embedder \(model.modelID); NMI / ARI, mean of \(seeds) seeds, k = number of labels")
        for (name, conversations) in groups {
            let labels = LabelledTexts.indices(conversations.map(\.label))
            let k = Set(labels).count
            print("\n\(name): \(conversations.count) conversations, \(k) labels")
            for strategy in EmbeddingText.Strategy.allCases {
                let start = Date()
                let matrix = try await embed(conversations.map(\.messages), strategy: strategy, model: model)
                var nmi = 0.0, ari = 0.0
                for seed in 1...max(1, seeds) {
                    let result = ClusteringPipeline.run(
                        vectors: matrix.values, count: matrix.count, dimension: matrix.dimension,
                        options: ClusteringOptions(clusterCount: .fixed(k), seed: UInt64(seed)))
                    nmi += ClusteringMetrics.nmi(labels, result.assignments)
                    ari += ClusteringMetrics.ari(labels, result.assignments)
                }
                let n = Double(max(1, seeds))
                print(String(format: "  %@ NMI %.4f  ARI %.4f  %5.1f s%@", Self.name(strategy), nmi / n, ari / n,
                             Date().timeIntervalSince(start), Self.marker(strategy)))
            }
        }
        if let pairs { try await scorePairs(pairs, model: model) }
    }

    private static func name(_ strategy: EmbeddingText.Strategy) -> NSString {
        strategy.rawValue.padding(toLength: 20, withPad: " ", startingAt: 0) as NSString
    }

    private static func marker(_ strategy: EmbeddingText.Strategy) -> NSString {
        (strategy == .userRequest ? "  (production)" : "") as NSString
    }

    /// The same requests answered differently (HH-RLHF chosen vs rejected): clustered together with an automatic
    /// k, how often do both answers of a request land in the same cluster? Clusters are meant to say what users
    /// ask for, so they should not move when the model answering changes (issue 10 compares models by cluster).
    private func scorePairs(_ path: String, model: any Embedder) async throws {
        var chosen: [[JSONValue]] = [], rejected: [[JSONValue]] = []
        for line in try Self.lines(path) {
            guard let value = try? JSONParser.parse(line), let a = value["chosen"]?.stringValue,
                  let b = value["rejected"]?.stringValue else { continue }
            chosen.append(DemoData.transcriptMessages(a))
            rejected.append(DemoData.transcriptMessages(b))
        }
        guard !chosen.isEmpty else { throw ValidationError("no {\"chosen\", \"rejected\"} pairs in \(path)") }
        print("\nsame request, two answers (\(chosen.count) pairs): share of pairs in the same cluster, automatic k")
        for strategy in EmbeddingText.Strategy.allCases {
            let start = Date()
            let matrix = try await embed(chosen + rejected, strategy: strategy, model: model)
            var same = 0.0, clusters = 0.0
            for seed in 1...max(1, seeds) {
                let result = ClusteringPipeline.run(
                    vectors: matrix.values, count: matrix.count, dimension: matrix.dimension,
                    options: ClusteringOptions(clusterCount: .automatic, seed: UInt64(seed)))
                let n = chosen.count
                same += Double((0..<n).filter { result.assignments[$0] == result.assignments[n + $0] }.count) / Double(n)
                clusters += Double(result.clusterCount)
            }
            let n = Double(max(1, seeds))
            print(String(format: "  %@ same cluster %.1f%%  (%.0f clusters)  %5.1f s%@", Self.name(strategy),
                         100 * same / n, clusters / n, Date().timeIntervalSince(start), Self.marker(strategy)))
        }
    }

    /// Lines of a text file, gunzipped when it ends in `.gz`.
    private static func lines(_ path: String) throws -> [String] {
        guard var bytes = FileManager.default.contents(atPath: path).map(Array.init) else {
            throw ValidationError("cannot read \(path)")
        }
        if path.hasSuffix(".gz") {
            let inflater = try GzipInflater()
            bytes = try inflater.inflate(bytes)
            try inflater.finish()
        }
        return String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
    }

    /// One vector per conversation; `.messageAverage` averages its messages' vectors and normalises.
    private func embed(_ conversations: [[JSONValue]], strategy: EmbeddingText.Strategy, model: any Embedder)
        async throws -> (values: [Float], count: Int, dimension: Int)
    {
        let texts = conversations.map { EmbeddingText.texts(of: $0, strategy: strategy) }
        let matrix = try await model.embedInBackground(texts.flatMap { $0 })
        let d = matrix.dimension
        var values = [Float](repeating: 0, count: conversations.count * d)
        var row = 0
        for (i, pieces) in texts.enumerated() {
            for _ in pieces {
                for j in 0..<d { values[i * d + j] += matrix.values[row * d + j] }
                row += 1
            }
            var norm: Float = 0
            for j in 0..<d { norm += values[i * d + j] * values[i * d + j] }
            let scale = norm > 0 ? 1 / norm.squareRoot() : 0
            for j in 0..<d { values[i * d + j] *= scale }
        }
        return (values, conversations.count, d)
    }

    private struct Labelled {
        var messages: [JSONValue]
        var label: String
    }

    /// The labelled conversations. For the demo: the general assistant's (MT-Bench + Vicuna-bench categories).
    /// Left out: HH-RLHF chats (no labels) and the Banking77 support chats, whose replies were written one per
    /// intent for the demo, so any strategy that reads them sees the label (message-average scores NMI 0.998).
    private func loadGroups() throws -> [(String, [Labelled])] {
        if data == "demo" {
            let demo = try DemoData(directory: DemoData.locateDirectory())
            var assistant: [Labelled] = []
            for conversation in demo.conversations(now: Date(), seed: 42) {
                guard let source = conversation["metadata"]?["source"]?.stringValue,
                      let category = conversation["metadata"]?["category"]?.stringValue,
                      let messages = conversation["messages"]?.arrayValue else { continue }
                switch source {
                case "mt-bench", "vicuna-bench": assistant.append(Labelled(messages: messages, label: source + "/" + category))
                default: continue
                }
            }
            return [("general assistant (MT-Bench + Vicuna-bench categories)", assistant)]
        }
        guard let bytes = FileManager.default.contents(atPath: data) else { throw ValidationError("cannot read \(data)") }
        var rows: [Labelled] = []
        for (i, line) in String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).enumerated() {
            guard let value = try? JSONParser.parse(String(line)), let messages = value["messages"]?.arrayValue,
                  let label = value["label"]?.stringValue ?? value["metadata"]?["category"]?.stringValue else {
                throw ValidationError("line \(i + 1): expected {\"messages\": […], \"label\": …}")
            }
            rows.append(Labelled(messages: messages, label: label))
        }
        guard !rows.isEmpty else { throw ValidationError("no labelled conversations in \(data)") }
        return [(data, rows)]
    }
}
