import Embeddings
import Foundation
import Insights

/// `eval --data banking77|hwu64|FILE --k N|auto --embedder minilm|potion --seeds 3`: clusters a labelled set
/// with the production pipeline and prints NMI, ARI, ACC, cluster count and time per seed, then the mean.
struct Evaluation {
    var data = "banking77"
    var k: Int? = nil
    var model = EmbeddingModel.minilm
    var seeds = 3

    init(arguments: [String]) throws {
        var iterator = arguments.makeIterator()
        while let flag = iterator.next() {
            let value = iterator.next() ?? ""
            switch flag {
            case "--data": data = value
            case "--k": k = value == "auto" ? nil : Int(value)
            case "--embedder":
                guard let parsed = EmbeddingModel(rawValue: value) else { throw EvalError("unknown embedder \(value)") }
                model = parsed
            case "--seeds": seeds = max(1, Int(value) ?? 3)
            default: throw EvalError("unknown flag \(flag)")
            }
        }
    }

    func run() throws {
        let texts = try LabelledTexts.load(data, dataDirectory: ClusterEval.dataDirectory)
        let matrix = try EmbeddingCache.vectors(for: texts, model: model, directory: ClusterEval.cacheDirectory)
        let truth = texts.labelIDs
        let labelCount = Set(truth).count
        print("\(texts.name): \(matrix.count) texts, \(labelCount) labels, \(model.rawValue) \(matrix.dimension) d, "
            + "k = \(k.map(String.init) ?? "auto")")
        var totals = [Double](repeating: 0, count: 5)
        for seed in 1...seeds {
            var options = ClusteringOptions(seed: UInt64(seed))
            if let k { options.clusterCount = .fixed(k) }
            let start = Date()
            let result = ClusteringPipeline.run(
                vectors: matrix.values, count: matrix.count, dimension: matrix.dimension, options: options)
            let seconds = Date().timeIntervalSince(start)
            let scores = [
                ClusteringMetrics.nmi(truth, result.assignments), ClusteringMetrics.ari(truth, result.assignments),
                ClusteringMetrics.accuracy(truth, result.assignments), Double(result.clusterCount), seconds,
            ]
            for i in 0..<5 { totals[i] += scores[i] }
            print(line("seed \(seed)", scores, outliers: result.isOutlier.filter { $0 }.count))
        }
        print(line("mean", totals.map { $0 / Double(seeds) }, outliers: nil))
    }

    func line(_ label: String, _ s: [Double], outliers: Int?) -> String {
        var text = String(
            format: "%@  NMI %.4f  ARI %.4f  ACC %.4f  clusters %.1f  time %.2f s", label, s[0], s[1], s[2], s[3], s[4])
        if let outliers { text += "  outliers \(outliers)" }
        return text
    }
}

struct EvalError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
