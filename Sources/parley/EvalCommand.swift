import ArgumentParser
import Embeddings
import Foundation
import Insights
import Parley

struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure Parley's insight quality on labelled data.", subcommands: [ClusterEval.self, TextEval.self, IntentEval.self, FlagsEval.self])
}

/// `parley eval cluster`: the production clustering pipeline on labelled texts; prints NMI, ARI and ACC.
struct ClusterEval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Cluster labelled texts with the production pipeline and score the result against the labels.")

    @Option(help: "CSV (text,label with a header), TSV (text<TAB>label), JSONL ({\"text\",\"label\"}) or a folder with seq.in and label files (HWU64 layout).")
    var data: String
    @Option(help: "Number of clusters, or auto.") var k: String = "auto"
    @Option(help: "minilm or potion.") var embedder: String = "minilm"
    @Option(help: "Number of seeds; the mean is reported.") var seeds: Int = 3
    @Option(help: "Models folder (PARLEY_MODELS).") var models: String?

    func run() async throws {
        let (texts, labels) = try LabelledTexts.load(data)
        guard !texts.isEmpty else { throw ValidationError("no labelled texts in \(data)") }
        let count: ClusteringOptions.ClusterCount
        if k.lowercased() == "auto" {
            count = .automatic
        } else if let n = Int(k), n > 0 {
            count = .fixed(n)
        } else {
            throw ValidationError("--k must be a positive number or auto (got \"\(k)\")")
        }
        let model = try EmbedderConfiguration(modelName: embedder, modelsDirectory: models).makeEmbedder()
        let classes = Set(labels).count
        print("\(texts.count) texts, \(classes) labels, embedder \(model.modelID), k \(k)")
        let embedStart = Date()
        let matrix = try await model.embedInBackground(texts)
        print(String(format: "embedded in %.1f s", Date().timeIntervalSince(embedStart)))
        let truth = LabelledTexts.indices(labels)
        var rows: [(nmi: Double, ari: Double, acc: Double, clusters: Int, seconds: Double)] = []
        for seed in 1...max(1, seeds) {
            let start = Date()
            let result = ClusteringPipeline.run(
                vectors: matrix.values, count: matrix.count, dimension: matrix.dimension,
                options: ClusteringOptions(clusterCount: count, seed: UInt64(seed)))
            let seconds = Date().timeIntervalSince(start)
            let row = (ClusteringMetrics.nmi(truth, result.assignments), ClusteringMetrics.ari(truth, result.assignments),
                       ClusteringMetrics.accuracy(truth, result.assignments), result.clusterCount, seconds)
            rows.append(row)
            print(String(format: "seed %d: NMI %.4f  ARI %.4f  ACC %.4f  clusters %d  %.1f s",
                         seed, row.0, row.1, row.2, row.3, row.4))
        }
        let n = Double(rows.count)
        print(String(format: "mean:   NMI %.4f  ARI %.4f  ACC %.4f  clusters %.1f  %.1f s",
                     rows.map(\.nmi).reduce(0, +) / n, rows.map(\.ari).reduce(0, +) / n,
                     rows.map(\.acc).reduce(0, +) / n, Double(rows.map(\.clusters).reduce(0, +)) / n,
                     rows.map(\.seconds).reduce(0, +) / n))
    }
}

/// Labelled texts from the formats `parley eval` reads.
enum LabelledTexts {
    static func load(_ path: String) throws -> ([String], [String]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ValidationError("no such file or folder: \(path)")
        }
        if isDirectory.boolValue {
            let texts = try lines(path + "/seq.in"), labels = try lines(path + "/label")
            guard texts.count == labels.count else { throw ValidationError("seq.in and label differ in length") }
            return (texts, labels)
        }
        let all = try lines(path)
        if path.hasSuffix(".jsonl") || path.hasSuffix(".ndjson") {
            var texts: [String] = [], labels: [String] = []
            for (i, line) in all.enumerated() {
                guard let value = try? JSONParser.parse(line), let text = value["text"]?.stringValue,
                      let label = value["label"]?.stringValue ?? value["label"]?.intValue.map(String.init) else {
                    throw ValidationError("line \(i + 1): expected {\"text\": …, \"label\": …}")
                }
                texts.append(text)
                labels.append(label)
            }
            return (texts, labels)
        }
        let separator: Character = path.hasSuffix(".tsv") ? "\t" : ","
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
        var rows = csvRecords(String(decoding: data, as: UTF8.self), separator: separator)
        if let header = rows.first, header.count >= 2, header[0].lowercased() == "text" { rows.removeFirst() }
        let usable = rows.filter { $0.count >= 2 }
        return (usable.map { $0[0] }, usable.map { $0[1] })
    }

    /// Label names to dense indices.
    static func indices(_ labels: [String]) -> [Int] {
        var ids: [String: Int] = [:]
        return labels.map { label in
            if let id = ids[label] { return id }
            ids[label] = ids.count
            return ids.count - 1
        }
    }

    private static func lines(_ path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
        return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
    }

    /// CSV records (RFC 4180: quoted fields may hold separators, doubled quotes and line breaks).
    private static func csvRecords(_ text: String, separator: Character) -> [[String]] {
        var records: [[String]] = [], fields: [String] = [], field = "", quoted = false
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == separator {
                fields.append(field)
                field = ""
            } else if c == "\n" || c == "\r\n" || c == "\r" {
                fields.append(field)
                if fields != [""] { records.append(fields) }
                fields = []
                field = ""
            } else {
                field.append(c)
            }
        }
        fields.append(field)
        if fields != [""] { records.append(fields) }
        return records
    }
}
