import Embeddings
import Foundation

/// `make bench-embed`: embedding throughput of both models on short and long texts, and exact top-k search
/// latency over a million random 384-dimensional vectors.
///
/// Usage: `EmbedBench SHORT.jsonl LONG.jsonl [VECTORS]` (each input line is one JSON string), or
/// `EmbedBench --search-only [VECTORS]`, or `EmbedBench --tokenize VOCAB.txt TEXTS.jsonl` (prints the MiniLM
/// input ids of each text as a JSON array, to compare with another tokenizer).
enum EmbedBench {
    static func main() {
        let arguments = CommandLine.arguments
        if arguments.count >= 4, arguments[1] == "--tokenize" {
            tokenize(vocabulary: arguments[2], texts: arguments[3])
            return
        }
        if arguments.count >= 2, arguments[1] == "--search-only" {
            let count = arguments.count > 2 ? Int(arguments[2]) ?? 1_000_000 : 1_000_000
            searchBenchmark(count: count, dimension: 384, queries: 50, k: 10)
            return
        }
        guard arguments.count >= 3 else {
            print("usage: EmbedBench SHORT.jsonl LONG.jsonl [VECTORS]")
            exit(2)
        }
        let vectorCount = arguments.count > 3 ? Int(arguments[3]) ?? 1_000_000 : 1_000_000
        do {
            let short = try readTexts(arguments[1])
            let long = try readTexts(arguments[2])
            let directory = EmbedderConfiguration.defaultModelsDirectory()
            print("models: \(directory.path)   threads: \(ProcessInfo.processInfo.activeProcessorCount)")
            print(
                "short texts: \(short.count) (mean \(meanCharacters(short)) chars)   "
                    + "long texts: \(long.count) (mean \(meanCharacters(long)) chars)")
            // EMBED_BENCH_MODELS=potion (or minilm) limits the run to one model.
            let only = ProcessInfo.processInfo.environment["EMBED_BENCH_MODELS"].flatMap(EmbeddingModel.init(rawValue:))
            for model in [EmbeddingModel.potion, .minilm] where only == nil || only == model {
                let load = Date()
                let embedder = try EmbedderConfiguration(model: model, modelsDirectory: directory).makeEmbedder()
                print("\n\(model.modelID) (\(embedder.dimension) d), loaded in \(milliseconds(since: load)) ms")
                _ = try embedder.embed(Array(short.prefix(256)))
                try measure(embedder, short, label: "short")
                try measure(embedder, long, label: "long")
            }
            searchBenchmark(count: vectorCount, dimension: 384, queries: 50, k: 10)
        } catch {
            print("bench-embed: \(error)")
            exit(1)
        }
    }

    /// Prints wall-clock throughput, and the throughput the process's CPU time implies on all cores (the two
    /// differ when other work shares the machine).
    static func tokenize(vocabulary: String, texts: String) {
        do {
            let tokenizer = try WordPieceTokenizer(contentsOf: URL(fileURLWithPath: vocabulary))
            for text in try readTexts(texts) {
                let ids = tokenizer.encode(text, maxLength: 256)
                print("[" + ids.map(String.init).joined(separator: ", ") + "]")
            }
        } catch {
            print("bench-embed: \(error)")
            exit(1)
        }
    }

    static func measure(_ embedder: any Embedder, _ texts: [String], label: String) throws {
        let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
        let cpuStart = cpuSeconds()
        let start = Date()
        let matrix = try embedder.embed(texts)
        let seconds = Date().timeIntervalSince(start)
        let cpu = cpuSeconds() - cpuStart
        precondition(matrix.count == texts.count)
        var line =
            "  \(label): \(texts.count) texts in \(String(format: "%.2f", seconds)) s = "
            + "\(String(format: "%.0f", Double(texts.count) / seconds)) texts/s wall, "
            + "\(String(format: "%.0f", Double(texts.count) * cores / cpu)) texts/s by CPU time"
        if let minilm = embedder as? MiniLMEmbedder {
            let tokens = texts.reduce(0) { $0 + minilm.inputIDs($1).count }
            let c = minilm.configuration
            let perToken = 2.0 * Double(c.layers * c.hiddenSize * (4 * c.hiddenSize + 2 * c.intermediateSize))
            let flops = perToken * Double(tokens)
            line += String(
                format: " (%.1f tokens/text, %.0f GFLOP/s wall, %.0f GFLOP/s by CPU time)",
                Double(tokens) / Double(texts.count), flops / seconds / 1e9, flops * cores / cpu / 1e9)
        }
        print(line)
    }

    /// User + system CPU time of the whole process (all threads), in seconds.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    static func searchBenchmark(count: Int, dimension: Int, queries: Int, k: Int) {
        print("\nexact top-\(k) search, \(count) × \(dimension) normalised vectors, \(queries) queries")
        var generator = SplitMix64(seed: 42)
        let vectors = randomUnitVectors(count: count, dimension: dimension, generator: &generator)
        let build = Date()
        let index = VectorIndex(dimension: dimension, vectors: vectors, prefilter: true)
        print(
            "  index built in \(milliseconds(since: build)) ms: vectors \(count * dimension * 4 / 1_000_000) MB "
                + "+ 4-bit prefilter \(index.prefilterBytes / 1_000_000) MB "
                + "(\(index.prefilterBytes / max(1, count)) bytes per vector)")
        let probes = randomUnitVectors(count: queries + 3, dimension: dimension, generator: &generator)
        let full = VectorIndex(dimension: dimension, vectors: vectors, prefilter: false)
        var answers: [[SimilarityMatch]] = []
        for (label, searched) in [("4-bit prefilter + Float rescoring", index), ("full Float scan (sgemv)", full)] {
            var latencies: [Double] = []
            var cpu: [Double] = []
            for q in 0..<queries + 3 {
                let query = Array(probes[q * dimension..<(q + 1) * dimension])
                let cpuStart = cpuSeconds()
                let start = DispatchTime.now().uptimeNanoseconds
                let hits = (try? searched.search(query, k: k)) ?? []
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                precondition(hits.count == min(k, count))
                // Same rows as the full scan (sgemv sums in another order, so scores may differ in the last bits).
                if q < answers.count {
                    precondition(hits.map(\.index) == answers[q].map(\.index), "searches differ on query \(q)")
                } else {
                    answers.append(hits)
                }
                if q >= 3 {  // the first queries fault the pages in
                    latencies.append(elapsed)
                    cpu.append((cpuSeconds() - cpuStart) * 1000 / Double(searched.threads))
                }
            }
            latencies.sort()
            cpu.sort()
            let p99 = min(latencies.count - 1, Int((Double(latencies.count) * 0.99).rounded(.up)) - 1)
            print(
                "  \(label): median \(String(format: "%.1f", latencies[latencies.count / 2])) ms, "
                    + "p99 \(String(format: "%.1f", latencies[p99])) ms, min \(String(format: "%.1f", latencies[0])) ms "
                    + "(CPU time per thread: median \(String(format: "%.1f", cpu[cpu.count / 2])) ms)")
        }
    }

    static func randomUnitVectors(count: Int, dimension: Int, generator: inout SplitMix64) -> [Float] {
        var values = [Float](repeating: 0, count: count * dimension)
        for row in 0..<count {
            var norm: Float = 0
            for j in 0..<dimension {
                let value = Float(Double(generator.next() >> 11) * 0x1p-53) * 2 - 1
                values[row * dimension + j] = value
                norm += value * value
            }
            let scale = 1 / norm.squareRoot()
            for j in 0..<dimension { values[row * dimension + j] *= scale }
        }
        return values
    }

    static func readTexts(_ path: String) throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let decoder = JSONDecoder()
        return try data.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(String.self, from: $0) }
    }

    static func meanCharacters(_ texts: [String]) -> Int {
        texts.isEmpty ? 0 : texts.reduce(0) { $0 + $1.count } / texts.count
    }

    static func milliseconds(since start: Date) -> Int {
        Int(Date().timeIntervalSince(start) * 1000)
    }
}

/// A small, fast, seeded generator (Steele et al., SplitMix64) so runs are repeatable.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
