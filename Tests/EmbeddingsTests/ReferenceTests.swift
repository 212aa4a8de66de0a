import Embeddings
import Foundation
import Testing

/// Every line of the reference files: same ids, same vectors (cosine ≥ 0.9999).
@Suite struct ReferenceTests {
    @Test func miniLMInputIDsMatchReference() throws {
        let directory = try Fixtures.modelDirectory(.minilm)
        let tokenizer = try WordPieceTokenizer(contentsOf: directory.appendingPathComponent("vocab.txt"))
        let lines = try Fixtures.reference("minilm_reference.jsonl")
        try #require(lines.count >= 31)
        for line in lines {
            let expected = try #require(line.inputIDs)
            let actual = tokenizer.encode(line.text, maxLength: 256)
            #expect(
                actual == expected,
                "\(line.text.prefix(60)): \(tokenizer.tokens(actual)) vs \(tokenizer.tokens(expected))")
        }
    }

    @Test func miniLMEmbeddingsMatchReference() throws {
        let directory = try Fixtures.modelDirectory(.minilm)
        let embedder = try MiniLMEmbedder(directory: directory)
        let lines = try Fixtures.reference("minilm_reference.jsonl")
        let matrix = embedder.embed(lines.map(\.text))
        #expect(matrix.count == lines.count && matrix.dimension == 384)
        var lowest: Float = 1
        for (index, line) in lines.enumerated() {
            let cosine = Fixtures.cosine(matrix.row(index), line.embedding)
            lowest = min(lowest, cosine)
            #expect(cosine >= 0.9999, "\(line.text.prefix(60)): cosine \(cosine)")
        }
        print("MiniLM: \(lines.count) reference lines, lowest cosine \(lowest)")
    }

    @Test func miniLMSingleTextMatchesBatch() throws {
        let embedder = try MiniLMEmbedder(directory: Fixtures.modelDirectory(.minilm))
        let lines = try Fixtures.reference("minilm_reference.jsonl")
        let matrix = embedder.embed(lines.map(\.text))
        for index in [0, 5, 29] {
            let single = try embedder.embed(lines[index].text)
            #expect(Fixtures.cosine(single, matrix.row(index)) >= 0.99999)
        }
    }

    @Test func miniLMTokenizedInputIsSanitised() throws {
        let embedder = try MiniLMEmbedder(directory: Fixtures.modelDirectory(.minilm))
        let ids = embedder.inputIDs("How do I reset my password?!")
        let matrix = embedder.embed(tokenized: [ids, [], [101, -5, 999_999, 102], Array(repeating: 1037, count: 600)])
        #expect(matrix.count == 4)
        #expect(Fixtures.cosine(matrix.row(0), try embedder.embed("How do I reset my password?!")) > 0.99999)
        #expect(matrix.row(1).allSatisfy { $0 == 0 })
        #expect(abs(VectorMath.dot(matrix.row(2), matrix.row(2)) - 1) < 1e-4)
        #expect(abs(VectorMath.dot(matrix.row(3), matrix.row(3)) - 1) < 1e-4)
    }

    @Test func potionEmbeddingsMatchReference() throws {
        let directory = try Fixtures.modelDirectory(.potion)
        let embedder = try StaticEmbedder(directory: directory)
        let lines = try Fixtures.reference("potion_reference.jsonl")
        try #require(lines.count >= 31)
        let matrix = embedder.embed(lines.map(\.text))
        #expect(matrix.count == lines.count && matrix.dimension == 256)
        var lowest: Float = 1
        for (index, line) in lines.enumerated() {
            // A text whose tokens are all [UNK] (the 120-character word) embeds as the zero vector.
            if line.embedding.allSatisfy({ $0 == 0 }) {
                #expect(matrix.row(index).allSatisfy { $0 == 0 }, "\(line.text.prefix(60)) should be zero")
                continue
            }
            let cosine = Fixtures.cosine(matrix.row(index), line.embedding)
            lowest = min(lowest, cosine)
            #expect(cosine >= 0.9999, "\(line.text.prefix(60)): cosine \(cosine)")
        }
        print("potion: \(lines.count) reference lines, lowest cosine \(lowest)")
    }
}
