import Embeddings
import Foundation
import Postgres

/// Where rules are evaluated:
/// - `flag` job: the ingest-phase rules on each new or changed conversation (`pending_work` kind `flag`, queued by
///   the ingest statement; the job is queued after each ingest commit like `search_index`), and its reply facts;
/// - after embedding (`EmbedJob` calls `FlagJobs.afterEmbedding` in its batch's transaction): the embedded-phase
///   rules, which read clusters, outlier distances and embedding detectors such as `unsafe_request`;
/// - `flag_rule` job: one rule over every conversation of its project, whenever the rule is created or changed.
enum FlagJobs {
    /// The handlers of the flag jobs.
    static func handlers(configuration: Configuration) -> [any JobHandler] {
        let model = try? EmbedderConfiguration(modelName: configuration.embedder).model.modelID
        return [FlagJob(), FlagRuleJob(embeddingModel: model)]
    }

    /// Queues the `flag` job of a project (at most one queued).
    static func enqueue(projectID: Int, on queue: JobQueue) async throws {
        try await queue.enqueue(kind: "flag", projectID: projectID, singletonKey: "flag:\(projectID)")
    }

    /// Queues the re-evaluation of a rule over its project.
    @discardableResult
    static func enqueueRule(_ ruleID: Int, projectID: Int, on queue: JobQueue) async throws -> Int? {
        try await queue.enqueue(kind: "flag_rule", projectID: projectID, payload: .object(["rule_id": .number(String(ruleID))]),
                                singletonKey: "flag_rule:\(ruleID)")
    }

    /// Evaluates the embedded-phase rules on conversations just embedded with `model` (inside the embedding
    /// batch's transaction, after cluster assignment).
    static func afterEmbedding(projectID: Int, conversations: [Int], model: String,
                               on connection: PostgresConnection) async throws {
        let registry = DetectorRegistry.standard
        let rules = try await FlagRule.load(projectID: projectID, phase: .embedded, registry: registry, on: connection)
        try await evaluate(rules, projectID: projectID, conversations: conversations, embeddingModel: model,
                           registry: registry, on: connection)
    }

    /// Loads the conversations, evaluates `rules` off the cooperative pool, and stores the flags.
    @discardableResult
    static func evaluate(_ rules: [FlagRule], projectID: Int, conversations ids: [Int], embeddingModel: String?,
                         registry: DetectorRegistry, on connection: PostgresConnection) async throws -> Int {
        guard !rules.isEmpty, !ids.isEmpty else { return 0 }
        let subjects = try await FlagSubject.load(ids: ids, embeddingModel: embeddingModel, on: connection)
        return try await evaluate(rules, projectID: projectID, subjects: subjects, embeddingModel: embeddingModel,
                                  registry: registry, on: connection)
    }

    /// `evaluate` on conversations the caller has loaded.
    @discardableResult
    static func evaluate(_ rules: [FlagRule], projectID: Int, subjects: [FlagSubject], embeddingModel: String?,
                         registry: DetectorRegistry, on connection: PostgresConnection) async throws -> Int {
        guard !rules.isEmpty, !subjects.isEmpty else { return 0 }
        let records = try await offThread {
            let matcher = RuleMatcher(rules: rules, registry: registry, embeddingModel: embeddingModel)
            return subjects.flatMap(matcher.flags(for:))
        }
        return try await FlagWriter.apply(projectID: projectID, conversations: subjects.map(\.conversationID),
                                          ruleIDs: rules.map(\.id), records: records, on: connection)
    }
}

/// The `flag` job: drains a project's `flag` queue through its enabled ingest-phase rules.
struct FlagJob: JobHandler {
    let kind = "flag"
    var batchSize = 500

    func run(_ job: Job, context: JobContext) async throws {
        guard let projectID = job.projectID else { return }
        try await context.releaseSingleton()
        let registry = DetectorRegistry.standard
        try await PendingWork.drain("flag", projectID: projectID, batchSize: batchSize, context: context,
                                    verb: "checked against the flag rules") { ids, connection in
            // Read per batch, so a rule saved meanwhile applies to the rest of the queue.
            let rules = try await FlagRule.load(projectID: projectID, phase: .ingest, registry: registry, on: connection)
            // One read of the conversations for the rules and for what comparisons and drift read of the answers.
            let subjects = try await FlagSubject.load(ids: ids, embeddingModel: nil, on: connection)
            try await FlagJobs.evaluate(rules, projectID: projectID, subjects: subjects, embeddingModel: nil,
                                        registry: registry, on: connection)
            try await ReplyFacts.store(subjects.map { ($0.conversationID, $0.messages) }, on: connection)
        }
    }
}

/// The `flag_rule` job (`{"rule_id": N}`): evaluates one rule on every conversation of its project, in id order,
/// one batch per transaction. It stops when the rule is deleted, disabled or changed again (the change queued a
/// new job that starts over).
struct FlagRuleJob: JobHandler {
    let kind = "flag_rule"
    let embeddingModel: String?
    var batchSize = 500

    func run(_ job: Job, context: JobContext) async throws {
        guard let projectID = job.projectID, let ruleID = job.payload["rule_id"]?.intValue else { return }
        try await context.releaseSingleton()
        let registry = DetectorRegistry.standard
        let total = try await context.pool.query("SELECT count(*) FROM conversations WHERE project_id = \(projectID)")
            .first?.decode(0, as: Int.self) ?? 0
        var version: Int?
        var after = 0
        var done = 0
        while !Task.isCancelled {
            let batch: Int? = try await context.pool.withTransaction { connection in
                guard let rule = try await FlagRule.load(projectID: projectID, ruleID: ruleID, registry: registry,
                                                         on: connection).first,
                      version == nil || version == rule.version else { return nil }
                version = rule.version
                let ids = try await connection.query("""
                    SELECT id FROM conversations WHERE project_id = \(projectID) AND id > \(after) ORDER BY id LIMIT \(batchSize)
                    """).map { try $0.decode(0, as: Int.self) }
                guard let last = ids.last else { return 0 }
                after = last
                try await FlagJobs.evaluate([rule], projectID: projectID, conversations: ids,
                                            embeddingModel: rule.phase == .embedded ? embeddingModel : nil,
                                            registry: registry, on: connection)
                return ids.count
            }
            guard let batch, batch > 0 else { break }
            done += batch
            try await context.report(progress: total > 0 ? min(99, done * 100 / total) : 99,
                                     message: "rule \(ruleID): \(done) of \(total) conversations checked")
        }
        try Task.checkCancellation()
    }
}
