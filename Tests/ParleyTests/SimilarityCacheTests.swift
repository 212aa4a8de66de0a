import Foundation
@testable import Parley
import Postgres
import TestSupport
import Testing

/// The in-memory similarity index of a project (`SimilarityIndexCache`) while vectors keep arriving and several
/// pages ask for neighbours at once: each refresh adds the new rows once, and the index never has more rows than
/// conversation ids (two overlapping refreshes used to add the same rows twice, and a search then indexed past
/// the ids: `Fatal error: Index out of range`, which took the server down in the soak test).
@Suite struct SimilarityCacheTests {
    @Test func concurrentSearchesDuringRefreshesSeeOneConsistentIndex() async throws {
        let db = try await TestPostgres.freshDatabase()
        let pool = db.pool
        let project = try await ProjectStore(pool: pool).ensure(slug: "similar")
        let cache = SimilarityIndexCache(pool: pool, refreshInterval: .zero)
        let dimension = 8
        var stored: Set<Int> = []
        for round in 0..<25 {
            for n in 0..<12 {
                let number = round * 12 + n
                let id = try await pool.query("""
                    INSERT INTO conversations (project_id, external_id, started_at, message_count, messages, content_hash)
                    VALUES (\(project), \("s-\(number)"), now(), 1, '[]', 'h') RETURNING id
                    """).first!.decode(0, as: Int.self)
                var vector = (0..<dimension).map { Float(sin(Double(number * dimension + $0))) }
                let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
                vector = vector.map { $0 / norm }
                var data = Data()
                for value in vector { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
                try await pool.query("""
                    INSERT INTO conversation_embeddings (conversation_id, project_id, model, vector)
                    VALUES (\(id), \(project), 'test-model', \(data))
                    """)
                stored.insert(id)
            }
            let known = stored
            try await withThrowingTaskGroup(of: [Int].self) { group in
                for caller in 0..<8 {
                    group.addTask {
                        let query = (0..<dimension).map { Float(cos(Double(caller + $0))) }
                        return try await cache.nearest(projectID: project, model: "test-model", dimension: dimension,
                                                       query: query, k: 5, excluding: -1).map(\.id)
                    }
                }
                for try await found in group {
                    #expect(found.count == 5)
                    #expect(found.allSatisfy(known.contains))
                }
            }
            let (index, ids) = try await cache.index(projectID: project, model: "test-model", dimension: dimension)
            #expect(index.count == ids.count, "round \(round)")
            #expect(ids == known.sorted(), "round \(round)")
        }
    }
}
