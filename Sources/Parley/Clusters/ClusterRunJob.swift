import Embeddings
import Foundation
import Insights
import Postgres

/// The `cluster` job: a full clustering run over every embedded conversation of one project.
///
/// Loads the vectors in keyset pages, runs the production pipeline (`ClusteringPipeline`) off the cooperative
/// pool, names the clusters from a sample of their conversations, matches them to the previous run's so ids,
/// human names and history carry over (`ClusterRunWriter`), and finally assigns the conversations embedded
/// while it ran. One run per project at a time (singleton key `cluster:<project>`).
struct ClusterRunJob: JobHandler {
    let kind = "cluster"
    let provider: EmbedderProvider
    let assignments: ClusterAssignments
    /// When an LLM endpoint is configured, a `cluster_names` job follows each run.
    var llm = LLMSettings()
    /// Conversations read per page while loading vectors.
    var pageSize = 50_000
    /// Conversations per cluster whose text feeds its keywords.
    var namingSample = 60

    /// Queues a run; nil when one is already queued or running for the project.
    @discardableResult
    static func enqueue(projectID: Int, clusters: Int? = nil, reason: String, on queue: JobQueue) async throws -> Int? {
        var payload: [String: JSONValue] = ["reason": .string(reason)]
        if let clusters { payload["clusters"] = .number(String(clusters)) }
        return try await queue.enqueue(
            kind: "cluster", projectID: projectID, payload: .object(payload), singletonKey: "cluster:\(projectID)",
            maxAttempts: 3)
    }

    func run(_ job: Job, context: JobContext) async throws {
        guard let projectID = job.projectID else { return }
        let requested = job.payload["clusters"]?.intValue
        let model = try await provider.embedder().modelID
        let pool = context.pool
        let started = Date()
        // An earlier attempt of this job whose worker died (kill -9, lost lease) left its run 'running' for ever.
        try await pool.query("""
            UPDATE cluster_runs SET status = 'failed', error = 'interrupted: the worker running it stopped',
                finished_at = now()
            WHERE job_id = \(job.id) AND status = 'running'
            """)
        let runID = try await pool.query("""
            INSERT INTO cluster_runs (project_id, job_id, model, requested_clusters)
            VALUES (\(projectID), \(job.id), \(model), \(requested)) RETURNING id
            """).first!.decode(0, as: Int.self)
        do {
            try await perform(projectID: projectID, runID: runID, model: model, requested: requested,
                              started: started, context: context)
        } catch {
            _ = try? await pool.query("""
                UPDATE cluster_runs SET status = 'failed', error = \(String(describing: error)), finished_at = now()
                WHERE id = \(runID)
                """)
            throw error
        }
    }

    private func perform(projectID: Int, runID: Int, model: String, requested: Int?, started: Date,
                         context: JobContext) async throws {
        let pool = context.pool
        // 1. Vectors, in conversation id order.
        let total = try await pool.query("""
            SELECT count(*) FROM conversation_embeddings WHERE project_id = \(projectID) AND model = \(model)
            """).first!.decode(0, as: Int.self)
        try await context.report(progress: 1, message: "loading \(total) vectors")
        var ids: [Int] = []
        var vectors: [Float] = []
        var dimension = 0
        ids.reserveCapacity(total)
        var after = 0
        while true {
            try Task.checkCancellation()
            let rows = try await pool.query("""
                SELECT conversation_id, vector FROM conversation_embeddings
                WHERE project_id = \(projectID) AND model = \(model) AND conversation_id > \(after)
                ORDER BY conversation_id LIMIT \(pageSize)
                """)
            if rows.isEmpty { break }
            for row in rows {
                let (id, data) = try row.decode((Int, Data).self)
                if dimension == 0 {
                    dimension = data.count / 4
                    vectors.reserveCapacity(total * dimension)
                }
                if VectorCodec.decode(data, dimension: dimension, into: &vectors) { ids.append(id) }
                after = id
            }
            try await context.report(progress: 1 + 29 * ids.count / max(1, total),
                                     message: "loaded \(ids.count) of \(total) vectors")
        }
        guard !ids.isEmpty else {
            try await pool.query("""
                UPDATE cluster_runs SET status = 'completed', conversation_count = 0, cluster_count = 0,
                    outlier_count = 0, seconds = \(Date().timeIntervalSince(started)), finished_at = now()
                WHERE id = \(runID)
                """)
            try await context.report(progress: 100, message: "nothing to cluster yet: no embedded conversations")
            return
        }

        // 2. The pipeline: CPU-bound for seconds to minutes, so off the cooperative pool.
        try Task.checkCancellation()
        try await context.report(progress: 30, message: "clustering \(ids.count) conversations")
        let options = ClusteringOptions(clusterCount: requested.map { .fixed($0) } ?? .automatic, seed: 1)
        let snapshot = vectors, count = ids.count, d = dimension
        let (result, similarities) = try await offThread {
            let result = ClusteringPipeline.run(vectors: snapshot, count: count, dimension: d, options: options)
            // Each conversation's similarity to its own centroid (shown, and used by flag rules).
            return (result, result.similaritiesToCentroids(snapshot))
        }
        vectors = []

        // 3. Names: c-TF-IDF keywords over a sample of each cluster (its most central members first).
        try Task.checkCancellation()
        try await context.report(progress: 75, message: "naming \(result.clusterCount) clusters")
        let naming = try await Self.naming(result: result, ids: ids, sample: namingSample, pool: pool)

        // 4. Store: match to the previous run, write clusters, members, map and statistics.
        try Task.checkCancellation()
        try await context.report(progress: 85, message: "saving \(result.clusterCount) clusters")
        let writer = ClusterRunWriter(projectID: projectID, runID: runID, model: model)
        let summary = try await writer.save(result: result, conversationIDs: ids, similarities: similarities,
                                            naming: naming, pool: pool,
                                            seconds: Date().timeIntervalSince(started))
        await assignments.invalidate(projectID: projectID)

        // 5. Conversations embedded while this ran join their nearest new cluster.
        let late = try await assignments.assignMissing(projectID: projectID, model: model, pool: pool)
        if llm.isConfigured { try await ClusterNamingJob.enqueue(projectID: projectID, on: context.queue) }
        try await context.report(
            progress: 100,
            message: "\(result.clusterCount) clusters over \(ids.count) conversations; \(summary)"
                + (late > 0 ? "; \(late) embedded meanwhile assigned" : ""))
    }

    /// The keyword labels of clusters and groups, from up to `sample` texts per cluster (its most central
    /// members first, then members spread over the rest); `ids` are the conversations of the result's rows.
    static func naming(result: ClusteringResult, ids: [Int], sample namingSample: Int, pool: PostgresPool)
        async throws -> ClusterNaming
    {
        var members = [[Int]](repeating: [], count: result.clusterCount)
        for (row, cluster) in result.assignments.enumerated() { members[cluster].append(row) }
        var sampleRows: [Int] = []
        var sampleClusters: [Int] = []
        for cluster in 0..<result.clusterCount {
            var chosen = result.representatives[cluster]
            let list = members[cluster]
            if list.count > chosen.count {
                let step = max(1, list.count / namingSample)
                let central = Set(chosen)
                for row in stride(from: 0, to: list.count, by: step) where chosen.count < namingSample {
                    if !central.contains(list[row]) { chosen.append(list[row]) }
                }
            }
            sampleRows += chosen
            sampleClusters += Array(repeating: cluster, count: chosen.count)
        }
        var texts: [Int: String] = [:]
        let wanted = sampleRows.map { ids[$0] }
        for start in stride(from: 0, to: wanted.count, by: 5_000) {
            let page = Array(wanted[start..<min(wanted.count, start + 5_000)])
            for row in try await pool.query("SELECT id, messages::text FROM conversations WHERE id = ANY(\(page))") {
                let (id, messages) = try row.decode((Int, String).self)
                texts[id] = EmbeddingText.of(messages: (try? JSONParser.parse(messages))?.arrayValue ?? [])
            }
        }
        let sampleTexts = wanted.map { texts[$0] ?? "" }
        let keywords = ClusterKeywords()
        let clusterLabels = keywords.labels(texts: sampleTexts, assignments: sampleClusters,
                                            clusterCount: result.clusterCount)
        // Groups: the same keywords computed over the groups' members, one level at a time.
        let hierarchy = result.hierarchy
        var groupLabels: [Int: ClusterKeywords.Label] = [:]
        for level in Set(hierarchy.levels.filter { $0 > 0 }).sorted() {
            let nodes = hierarchy.levels.indices.filter { hierarchy.levels[$0] == level }
            let index = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($1, $0) })
            let groupOf = sampleClusters.map { cluster -> Int in
                var node = cluster
                while hierarchy.levels[node] < level, let parent = hierarchy.parents[node] { node = parent }
                return index[node] ?? 0
            }
            let labels = keywords.labels(texts: sampleTexts, assignments: groupOf, clusterCount: nodes.count)
            for (i, node) in nodes.enumerated() { groupLabels[node] = labels[i] }
        }
        return ClusterNaming(clusters: clusterLabels, groups: groupLabels)
    }
}

/// Keyword labels of a run's clusters (by index) and groups (by hierarchy node).
struct ClusterNaming: Sendable {
    var clusters: [ClusterKeywords.Label]
    var groups: [Int: ClusterKeywords.Label]
}
