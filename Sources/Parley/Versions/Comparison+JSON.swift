import Foundation
import Insights

extension Comparison {
    /// The API's answer (`GET /api/v1/compare`); differences are B − A.
    var json: JSONValue {
        .object([
            "a": Self.sideJSON(a, dataA), "b": Self.sideJSON(b, dataB),
            "alpha": .number(String(Self.alpha)), "correction": "benjamini-hochberg",
            "metrics": .array(metrics.map(\.json)),
            "intent_mix": intents.json(idKey: "intent_id"),
            "cluster_mix": clusters.json(idKey: "cluster_id"),
            "clusters_grew": .array(grew.map { $0.json(idKey: "cluster_id") }),
            "clusters_shrank": .array(shrank.map { $0.json(idKey: "cluster_id") }),
        ])
    }

    private static func sideJSON(_ side: ComparisonSide, _ data: SideData) -> JSONValue {
        .object([
            "label": .string(side.label), "filter": side.json,
            "conversations": .number(String(data.conversations)), "sampled": .number(String(data.sampled)),
            "first_started_at": data.first.map { .string(Format.iso($0)) } ?? .null,
            "last_started_at": data.last.map { .string(Format.iso($0)) } ?? .null,
        ])
    }

    /// A finite number, or null.
    static func number(_ value: Double?) -> JSONValue {
        guard let value, value.isFinite else { return .null }
        return .number(String(value))
    }

    static func testJSON(_ result: TestResult?, adjusted: Double?, significant: Bool) -> [String: JSONValue] {
        ["statistic": number(result?.statistic), "p_value": number(result?.pValue),
         "degrees_of_freedom": number(result?.degreesOfFreedom), "adjusted_p_value": number(adjusted),
         "significant": .bool(significant)]
    }
}

extension Comparison.Metric {
    var json: JSONValue {
        var object: [String: JSONValue] = [
            "key": .string(key), "name": .string(name), "kind": .string(kind.rawValue), "unit": .string(unit),
            "a": ["value": Comparison.number(a), "n": .number(String(countA))],
            "b": ["value": Comparison.number(b), "n": .number(String(countB))],
            "difference": Comparison.number(difference), "relative_difference": Comparison.number(relativeDifference),
            "test": test.map(JSONValue.string) ?? .null,
        ]
        for (name, value) in Comparison.testJSON(result, adjusted: adjustedPValue, significant: isSignificant) {
            object[name] = value
        }
        return .object(object)
    }
}

extension Comparison.MixRow {
    func json(idKey: String) -> JSONValue {
        var object: [String: JSONValue] = [
            idKey: id.map { .number(String($0)) } ?? .null, "name": .string(name),
            "a_count": .number(String(countA)), "b_count": .number(String(countB)),
            "a_share": Comparison.number(shareA), "b_share": Comparison.number(shareB),
            "difference": Comparison.number(difference),
        ]
        for (name, value) in Comparison.testJSON(result, adjusted: adjustedPValue, significant: isSignificant) {
            object[name] = value
        }
        return .object(object)
    }
}

extension Comparison.Mix {
    func json(idKey: String) -> JSONValue {
        var object: [String: JSONValue] = [
            "a_total": .number(String(totalA)), "b_total": .number(String(totalB)),
            "rows": .array(rows.map { $0.json(idKey: idKey) }),
        ]
        for (name, value) in Comparison.testJSON(test, adjusted: adjustedPValue, significant: isSignificant) {
            object[name] = value
        }
        return .object(object)
    }
}

extension DriftAlerts.Alert {
    var json: JSONValue {
        .object([
            "id": .number(String(id)), "model": .string(model), "metric": .string(metric.rawValue),
            "day": .string(DriftFinding.iso(day)), "direction": .string(direction),
            "before_value": Comparison.number(beforeValue), "after_value": Comparison.number(afterValue),
            "before_count": .number(String(beforeCount)), "after_count": .number(String(afterCount)),
            "p_value": Comparison.number(pValue), "effect": Comparison.number(effect),
            "summary": .string(summary), "evidence": evidence,
            "flagged_conversations": .array(flaggedConversations.map { .number(String($0)) }),
            "status": .string(status), "acknowledged_by": acknowledgedBy.map(JSONValue.string) ?? .null,
            "acknowledged_at": acknowledgedAt.map { .string(Format.iso($0)) } ?? .null,
            "created_at": .string(Format.iso(createdAt)),
        ])
    }
}
