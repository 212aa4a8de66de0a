import Embeddings
import Foundation
import Testing

/// Choosing and locating models from configuration.
@Suite struct EmbedderConfigurationTests {
    @Test func modelNamesAndDefaults() throws {
        #expect(try EmbedderConfiguration(modelName: nil).model == .minilm)
        #expect(try EmbedderConfiguration(modelName: "").model == .minilm)
        #expect(try EmbedderConfiguration(modelName: "Potion").model == .potion)
        #expect(throws: EmbeddingsError.self) { try EmbedderConfiguration(modelName: "gpt") }
        let directory = EmbedderConfiguration.defaultModelsDirectory(environment: ["PARLEY_MODELS": "/m", "HOME": "/h"])
        #expect(directory.path == "/m")
        let fallback = EmbedderConfiguration.defaultModelsDirectory(environment: ["HOME": "/h"])
        #expect(fallback.path == "/h/.cache/parley/models")
    }

    @Test func missingFilesSayToRunMakeModels() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("parley-no-models-\(UUID())")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        for model in EmbeddingModel.allCases {
            let configuration = EmbedderConfiguration(model: model, modelsDirectory: empty)
            let error = #expect(throws: EmbeddingsError.self) { try configuration.makeEmbedder() }
            #expect(error.map { "\($0)".contains("make models") } == true)
        }
    }

    @Test func factoryLoadsBothModelsFromTheModelsFolderOrAModelFolder() throws {
        let minilm = try EmbedderConfiguration(model: .minilm, modelsDirectory: Fixtures.modelsDirectory)
            .makeEmbedder()
        #expect(minilm.modelID == "sentence-transformers/all-MiniLM-L6-v2" && minilm.dimension == 384)
        let potionFolder = try Fixtures.modelDirectory(.potion)
        let potion = try EmbedderConfiguration(model: .potion, modelsDirectory: potionFolder).makeEmbedder()
        #expect(potion.modelID == "minishlab/potion-base-8M" && potion.dimension == 256)
        let vectors = try potion.embed(["refund my card", "", "refund my card"])
        #expect(vectors.count == 3)
        #expect(vectors.row(0) == vectors.row(2))
        #expect(vectors.row(1).allSatisfy { $0 == 0 })
        #expect(abs(VectorMath.dot(vectors.row(0), vectors.row(0)) - 1) < 1e-5)
        #expect(try minilm.embed([]).count == 0)
    }

    @Test func embedsInBackgroundFromAsyncCode() async throws {
        let potion = try StaticEmbedder(directory: Fixtures.modelDirectory(.potion))
        let vectors = try await potion.embedInBackground(["where is my card", "reset my password"])
        #expect(vectors.count == 2 && vectors.dimension == 256)
        #expect(vectors.row(0) == potion.embed(["where is my card"]).row(0))
    }
}
