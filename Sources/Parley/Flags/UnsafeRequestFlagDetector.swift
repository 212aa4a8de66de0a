import Foundation
import Insights

/// The unsafe-request classifier (`Insights.UnsafeRequestDetector`) as a rule detector
/// (`{"type": "detector", "name": "unsafe_request", "threshold": 0.7}`): it scores the conversation's embedding, so
/// rules naming it run after embedding. Available when the shipped weights are found.
struct UnsafeRequestFlagDetector: EmbeddingDetector {
    /// Where the shipped weights live, relative to the resource roots (see `ResourceLocator`).
    static let folder = "Sources/Parley/Flags/Data"
    static let file = "unsafe_request_minilm.json"

    let name = "unsafe_request"
    let detector: UnsafeRequestDetector

    var defaultThreshold: Double { Double(detector.threshold) }
    var modelID: String? { detector.weights.embeddingModel }

    func score(_ vector: [Float]) -> Double {
        // A vector of another model's size cannot be scored (the model check normally prevents it).
        guard vector.count == detector.dimension else { return 0 }
        return Double(detector.score(vector))
    }

    /// The shipped detector, or nil when its weights are missing or unreadable.
    static func shipped() -> UnsafeRequestFlagDetector? {
        guard let folder = try? ResourceLocator.folder(named: folder),
              let data = FileManager.default.contents(atPath: folder + "/" + file),
              let detector = try? UnsafeRequestDetector(weightsJSON: data) else { return nil }
        return UnsafeRequestFlagDetector(detector: detector)
    }
}
