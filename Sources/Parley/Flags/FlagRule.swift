import Foundation
import Postgres

/// How bad a flag is; a triage item's priority is the rank of its worst flag.
public enum Severity: String, Sendable, CaseIterable, Comparable {
    case low, medium, high, critical

    /// 1 (low) to 4 (critical), as stored in `triage_items.priority`.
    public var rank: Int {
        switch self {
        case .low: 1
        case .medium: 2
        case .high: 3
        case .critical: 4
        }
    }

    public init?(rank: Int) {
        guard let severity = Self.allCases.first(where: { $0.rank == rank }) else { return nil }
        self = severity
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }

    /// The SQL expression of the rank of a `severity` column (a column name chosen by the program).
    static func rankSQL(_ column: String) -> PostgresQuery {
        PostgresQuery(unsafeSQL: "(CASE \(column) WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END)")
    }
}

/// A flag rule of a project.
struct FlagRule: Sendable {
    /// When a rule can be evaluated: on the stored conversation, or once it has its embedding and cluster.
    enum Phase: String, Sendable {
        case ingest, embedded
    }

    var id: Int
    var projectID: Int
    var name: String
    var description: String
    var severity: Severity
    var enabled: Bool
    var condition: FlagCondition
    var phase: Phase
    var version: Int

    /// The rules of a project (enabled ones only unless `includeDisabled`), optionally of one phase or one id.
    static func load(projectID: Int, phase: Phase? = nil, ruleID: Int? = nil, includeDisabled: Bool = false,
                     registry: DetectorRegistry, on connection: PostgresConnection) async throws -> [FlagRule] {
        var rules: [FlagRule] = []
        for row in try await connection.query("""
            SELECT id, name, description, severity, enabled, condition::text, phase, version FROM flag_rules
            WHERE project_id = \(projectID) AND (enabled OR \(includeDisabled))
              AND (\(phase?.rawValue) IS NULL OR phase = \(phase?.rawValue))
              AND (\(ruleID) IS NULL OR id = \(ruleID))
            ORDER BY id
            """) {
            let (id, name, description, severity, enabled, conditionText, phase, version) =
                try row.decode((Int, String, String, String, Bool, String, String, Int).self)
            // Stored conditions were validated when saved; one that no longer parses (a detector that is gone)
            // is skipped rather than stopping every other rule.
            var errors: [Problem.FieldError] = []
            guard let json = try? JSONParser.parse(conditionText),
                  let condition = FlagCondition.parse(json, path: "condition", registry: registry, errors: &errors,
                                                      probeRegexes: false),
                  let severity = Severity(rawValue: severity), let phase = Phase(rawValue: phase) else { continue }
            rules.append(FlagRule(id: id, projectID: projectID, name: name, description: description, severity: severity,
                                  enabled: enabled, condition: condition, phase: phase, version: version))
        }
        return rules
    }
}

/// What a rule found in one conversation: the row of `flags`.
struct FlagRecord: Sendable, Equatable {
    var conversationID: Int
    var ruleID: Int
    var severity: Severity
    var detectors: [String]
    var reason: String
    /// `[{message_index, start, end, excerpt, detector, kind}]`.
    var spans: JSONValue

    init(conversationID: Int, rule: FlagRule, findings: [DetectorFinding]) {
        self.conversationID = conversationID
        ruleID = rule.id
        severity = rule.severity
        var detectors: [String] = []
        var reasons: [String] = []
        for finding in findings {
            if !detectors.contains(finding.detector) { detectors.append(finding.detector) }
            if !reasons.contains(finding.reason), reasons.count < 5 { reasons.append(finding.reason) }
        }
        self.detectors = detectors.isEmpty ? ["rule"] : detectors
        let more = Set(findings.map(\.reason)).count - reasons.count
        reason = "\(rule.name): " + (reasons.isEmpty ? "the rule's conditions hold" : reasons.joined(separator: "; "))
            + (more > 0 ? "; and \(more) more" : "")
        spans = .array(findings.prefix(50).map { finding in
            var span: [String: JSONValue] = [
                "detector": .string(finding.detector), "kind": .string(finding.kind),
                "message_index": finding.messageIndex.map { .number(String($0)) } ?? .null,
            ]
            if let range = finding.range {
                span["start"] = .number(String(range.lowerBound))
                span["end"] = .number(String(range.upperBound))
            } else {
                span["start"] = .null
                span["end"] = .null
            }
            span["excerpt"] = finding.excerpt.map(JSONValue.string) ?? .null
            return .object(span)
        })
    }
}
