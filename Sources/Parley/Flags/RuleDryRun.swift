import Foundation
import Postgres

/// What a rule would flag among a project's most recent conversations, without storing anything.
struct RuleDryRun: Sendable {
    let pool: PostgresPool
    let registry: DetectorRegistry
    var pageSize = 1_000
    var exampleCount = 20

    /// `{"evaluated", "matched", "rate", "regex_timeouts", "phase", "seconds", "examples": [{parley_id, id,
    /// started_at, severity, detectors, reason, spans}]}`; examples are the most recent matches.
    func run(projectID: Int, input: FlagRuleStore.Input, limit: Int, embeddingModel: String?) async throws -> JSONValue {
        guard let condition = input.condition else { return .object([:]) }
        let started = ContinuousClock.now
        let phase: FlagRule.Phase = condition.needsEmbedding(registry) ? .embedded : .ingest
        let rule = FlagRule(id: 0, projectID: projectID, name: input.name ?? "dry run", description: "",
                            severity: input.severity ?? .medium, enabled: true, condition: condition, phase: phase, version: 0)
        let ids = try await pool.query("""
            SELECT id FROM conversations WHERE project_id = \(projectID) ORDER BY id DESC LIMIT \(limit)
            """).map { try $0.decode(0, as: Int.self) }
        var matched = 0
        var timeouts = 0
        var examples: [FlagRecord] = []
        let registry = self.registry
        for start in stride(from: 0, to: ids.count, by: pageSize) {
            let page = Array(ids[start..<min(ids.count, start + pageSize)])
            let subjects = try await pool.withConnection { connection in
                try await FlagSubject.load(ids: page, embeddingModel: phase == .embedded ? embeddingModel : nil,
                                           on: connection)
            }
            let (records, pageTimeouts) = try await offThread {
                let matcher = RuleMatcher(rules: [rule], registry: registry, embeddingModel: embeddingModel)
                return (subjects.flatMap(matcher.flags(for:)), matcher.regexTimeouts)
            }
            matched += records.count
            timeouts += pageTimeouts
            let newestFirst = records.sorted { $0.conversationID > $1.conversationID }
            examples += newestFirst.prefix(exampleCount - examples.count)
        }
        var external: [Int: (String, Date)] = [:]
        if !examples.isEmpty {
            for row in try await pool.query("""
                SELECT id, external_id, started_at FROM conversations WHERE id = ANY(\(examples.map(\.conversationID)))
                """) {
                let (id, externalID, startedAt) = try row.decode((Int, String, Date).self)
                external[id] = (externalID, startedAt)
            }
        }
        let formatter = ISO8601DateFormatter()
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        return .object([
            "evaluated": .number(String(ids.count)),
            "matched": .number(String(matched)),
            "rate": .number(String(ids.isEmpty ? 0 : Double(matched) / Double(ids.count))),
            "regex_timeouts": .number(String(timeouts)),
            "phase": .string(phase.rawValue),
            "seconds": .number(String(format: "%.3f", seconds)),
            "examples": .array(examples.map { record in
                .object([
                    "parley_id": .number(String(record.conversationID)),
                    "id": external[record.conversationID].map { .string($0.0) } ?? .null,
                    "started_at": external[record.conversationID].map { .string(formatter.string(from: $0.1)) } ?? .null,
                    "severity": .string(record.severity.rawValue),
                    "detectors": .array(record.detectors.map(JSONValue.string)),
                    "reason": .string(record.reason),
                    "spans": record.spans,
                ])
            }),
        ])
    }
}
