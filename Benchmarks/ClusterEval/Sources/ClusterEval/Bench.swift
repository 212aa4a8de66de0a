import Foundation
import Insights

/// `bench [--sizes 100000,1000000]`: a full clustering run and incremental assignment on synthetic 384-d unit
/// vectors (300 Gaussian blobs of different widths plus 5 % uniform noise), with wall time and peak RSS.
struct Bench {
    var sizes = [100_000, 1_000_000]
    let dimension = 384

    init(arguments: [String]) {
        if let index = arguments.firstIndex(of: "--sizes"), index + 1 < arguments.count {
            sizes = arguments[index + 1].split(separator: ",").compactMap { Int($0) }
        }
    }

    func run() {
        print("Load average: \(loadAverage()) (other builds on the 2 cores lower the figures)")
        for n in sizes {
            let vectors = Self.synthetic(count: n, dimension: dimension, blobs: 300, seed: 42)
            print("\n\(n) × \(dimension) vectors generated; peak RSS so far \(peakRSS()) MB")
            let start = Date()
            let result = ClusteringPipeline.run(vectors: vectors, count: n, dimension: dimension)
            let seconds = Date().timeIntervalSince(start)
            print(String(
                format: "  full run (auto k): %.1f s, %d clusters, %d outliers, peak RSS %d MB", seconds,
                result.clusterCount, result.isOutlier.filter { $0 }.count, peakRSS()))
            let batch = min(n, 100_000)
            let incoming = Self.synthetic(count: batch, dimension: dimension, blobs: 300, seed: 43)
            let assigner = result.assigner
            let assignStart = Date()
            let outcome = assigner.assign(incoming, count: batch)
            let assignSeconds = Date().timeIntervalSince(assignStart)
            print(String(
                format: "  incremental: %d vectors in %.3f s = %.0f vectors/s, %d unassigned, peak RSS %d MB", batch,
                assignSeconds, Double(batch) / assignSeconds, outcome.filter { $0.cluster == nil }.count, peakRSS()))
        }
    }

    /// Unit vectors around `blobs` random centres (noise scale varying per blob), 5 % of them uniform noise.
    static func synthetic(count n: Int, dimension d: Int, blobs: Int, seed: UInt64) -> [Float] {
        var generator = SplitMix64(seed: 7)
        var centres = [Float](repeating: 0, count: blobs * d)
        for i in 0..<(blobs * d) { centres[i] = Float.random(in: -1...1, using: &generator) }
        var pointGenerator = SplitMix64(seed: seed)
        var values = [Float](repeating: 0, count: n * d)
        for i in 0..<n {
            let noise = pointGenerator.next() % 20 == 0
            let blob = Int(pointGenerator.next() % UInt64(blobs))
            let spread = noise ? 1 : 0.02 * Float(1 + blob % 5)
            var norm: Float = 0
            for j in 0..<d {
                let value = (noise ? 0 : centres[blob * d + j]) + spread * Float.random(in: -1...1, using: &pointGenerator)
                values[i * d + j] = value
                norm += value * value
            }
            let scale = 1 / max(norm.squareRoot(), 1e-12)
            for j in 0..<d { values[i * d + j] *= scale }
        }
        return values
    }

    /// VmHWM from /proc/self/status, in MB.
    func peakRSS() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kilobytes / 1024
        }
        return -1
    }

    func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3)
            .joined(separator: " ") ?? "?"
    }
}
