import Embeddings
import Foundation
import Testing

/// One line of `minilm_reference.jsonl` or `potion_reference.jsonl`.
struct ReferenceLine: Decodable {
    let text: String
    let inputIDs: [Int32]?
    let embedding: [Float]

    enum CodingKeys: String, CodingKey {
        case text, embedding
        case inputIDs = "input_ids"
    }
}

/// Paths to the models (PARLEY_MODELS) and to the reference outputs (`../shared/reference` beside the repo).
enum Fixtures {
    static let modelsDirectory: URL = EmbedderConfiguration.defaultModelsDirectory()

    /// `shared/reference` beside the repo root, found from this file (symlinks resolved, so the bench
    /// package's link to these tests finds it too).
    static let referenceDirectory: URL = {
        let repository = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent()  // EmbeddingsTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // repo root
        return repository.deletingLastPathComponent().appendingPathComponent("shared/reference")
    }()

    static let missingModelsMessage = Comment(
        rawValue: "embedding models not found under \(modelsDirectory.path): run `make models`")

    /// The model folder, failing the test (never skipping it) when the files are not there.
    static func modelDirectory(_ model: EmbeddingModel) throws -> URL {
        let directory = modelsDirectory.appendingPathComponent(model.folderName)
        let present = ["vocab.txt", "model.safetensors"].allSatisfy {
            FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path)
        }
        try #require(present, missingModelsMessage)
        return directory
    }

    static func reference(_ name: String) throws -> [ReferenceLine] {
        let url = referenceDirectory.appendingPathComponent(name)
        let data = try #require(
            try? Data(contentsOf: url), "reference file \(url.path) missing (expected shared/ beside the repo)")
        let decoder = JSONDecoder()
        return try data.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(ReferenceLine.self, from: $0) }
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        var dot: Float = 0
        var na: Float = 0
        var nb: Float = 0
        for i in 0..<min(a.count, b.count) {
            dot += a[i] * b[i]
            na += a[i] * a[i]
            nb += b[i] * b[i]
        }
        return dot / (na.squareRoot() * nb.squareRoot())
    }
}
