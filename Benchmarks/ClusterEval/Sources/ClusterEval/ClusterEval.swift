import Embeddings
import Foundation

/// `eval`: clustering quality on labelled sets; `bench`: time and memory at 100k and 1M vectors.
enum ClusterEval {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            switch arguments.first {
            case "eval": try Evaluation(arguments: Array(arguments.dropFirst())).run()
            case "bench": Bench(arguments: Array(arguments.dropFirst())).run()
            case "embed":
                for spec in ["banking77", "hwu64"] {
                    for model in [EmbeddingModel.minilm, .potion] {
                        let data = try LabelledTexts.load(spec, dataDirectory: dataDirectory)
                        let m = try EmbeddingCache.vectors(for: data, model: model, directory: cacheDirectory)
                        print("\(spec) \(model.rawValue): \(m.count) × \(m.dimension)")
                    }
                }
            default:
                print("usage: ClusterEval eval --data banking77|hwu64|FILE --k N|auto --embedder minilm|potion --seeds 3")
                print("       ClusterEval bench [--sizes 100000,1000000]")
                exit(2)
            }
        } catch {
            print("cluster-eval: \(error)")
            exit(1)
        }
    }

    static var dataDirectory: URL {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["PARLEY_DATA"], !path.isEmpty { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: "/work/shared/data")
    }

    static var cacheDirectory: URL {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["CLUSTER_CACHE"], !path.isEmpty { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build-cluster")
    }
}
