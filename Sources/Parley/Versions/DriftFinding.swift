import Foundation
import Insights

/// What the drift job watches.
enum DriftMetric: String, Sendable, CaseIterable {
    case responseLength = "response_length"
    case refusalRate = "refusal_rate"
    case flagRate = "flag_rate"
    case intentMix = "intent_mix"

    var title: String {
        switch self {
        case .responseLength: "Response length"
        case .refusalRate: "Refusal rate"
        case .flagRate: "Flag rate"
        case .intentMix: "Intent mix"
        }
    }

    /// A value of this metric as pages show it (`12.5%`, `812 characters`).
    func format(_ value: Double) -> String {
        switch self {
        case .responseLength: "\(Format.number(value.rounded())) characters"
        case .refusalRate, .flagRate, .intentMix: Self.percent(value)
        }
    }

    /// `0.1234` → `12.3%`.
    static func percent(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        return String(format: "%.1f%%", value * 100)
    }
}

/// A change point of one metric of one model, with the evidence an alert stores.
struct DriftFinding: Sendable {
    var metric: DriftMetric
    var model: String
    var point: ChangePoint
    /// The first day of the new level.
    var day: Date
    var direction: String
    var beforeValue: Double
    var afterValue: Double
    /// For the intent mix: the intent whose share moved most (`Comparison.none` = unrecognized).
    var intentID: Int?
    var evidence: JSONValue

    /// Runs `detector` on every metric of `series`.
    static func detect(_ series: DriftSeries, detector: ChangePointDetector) -> [DriftFinding] {
        var findings: [DriftFinding] = []
        let inputs: [(DriftMetric, DailySeries)] = [
            (.responseLength, .mean(series.lengths)),
            (.refusalRate, .proportion(series.refusals)),
            (.flagRate, .proportion(zip(series.flagged, series.volume).map { Proportion($0, of: $1) })),
            (.intentMix, .mix(series.intents)),
        ]
        for (metric, daily) in inputs {
            if metric == .intentMix, series.intentIDs.count < 2 { continue }
            for point in detector.detect(daily) {
                findings.append(finding(metric, point, daily, series, detector: detector))
            }
        }
        return findings
    }

    private static func finding(_ metric: DriftMetric, _ point: ChangePoint, _ daily: DailySeries, _ series: DriftSeries,
                                detector: ChangePointDetector) -> DriftFinding {
        var before = point.before.first ?? 0, after = point.after.first ?? 0
        var intentID: Int?
        var direction = after >= before ? "up" : "down"
        var movers: [JSONValue] = []
        if metric == .intentMix {
            let changes = point.before.indices.map { (column: $0, change: point.after[$0] - point.before[$0]) }
                .sorted { abs($0.change) > abs($1.change) }
            if let top = changes.first {
                before = point.before[top.column]
                after = point.after[top.column]
                intentID = series.intentIDs[top.column]
            }
            direction = "shift"
            movers = changes.prefix(5).map { item in
                let id = series.intentIDs[item.column]
                return .object([
                    "intent_id": id == Comparison.none ? .null : .number(String(id)),
                    "name": .string(id == Comparison.none ? "Unrecognized" : series.intentNames[id] ?? "#\(id)"),
                    "before": .number(String(point.before[item.column])), "after": .number(String(point.after[item.column])),
                ])
            }
        }
        let day = series.date(point.index)
        let values: [JSONValue] = (0..<series.count).map { index in
            let (value, n): (Double?, Int) = switch daily {
            case .proportion(let days): (days[index].rate, days[index].trials)
            case .mean(let days): (days[index].mean, days[index].count)
            case .mix(let days):
                (intentID.flatMap { id in
                    series.intentIDs.firstIndex(of: id).flatMap { column in
                        let total = days[index].reduce(0, +)
                        return total > 0 ? Double(days[index][column]) / Double(total) : nil
                    }
                }, days[index].reduce(0, +))
            }
            return .object(["day": .string(Self.iso(series.date(index))), "value": value.map { .number(String($0)) } ?? .null,
                            "n": .number(String(n))])
        }
        let subject = metric == .intentMix
            ? "The share of \(movers.first?["name"]?.stringValue ?? "an intent") among \(series.model)'s conversations"
            : "The \(metric.title.lowercased()) of \(series.model)"
        let verb = metric == .intentMix ? (after >= before ? "grew" : "fell") : (after >= before ? "rose" : "fell")
        let summary = "\(subject) \(verb) from \(metric.format(before)) to \(metric.format(after)) on \(Format.day(day)) "
            + "(p = \(Self.pValue(point.pValue)); \(Format.number(point.beforeCount)) observations before, "
            + "\(Format.number(point.afterCount)) after)."
        var evidence: [String: JSONValue] = [
            "summary": .string(summary),
            "window": ["from": .string(iso(series.date(0))), "to": .string(iso(series.date(series.count - 1)))],
            "segment": ["from": .string(iso(series.date(point.segment.lowerBound))),
                        "to": .string(iso(series.date(point.segment.upperBound - 1)))],
            "series": .array(values),
            "test": [
                "method": "binary segmentation; permutation test over days",
                "statistic": .number(String(point.statistic.isFinite ? point.statistic : 1e300)),
                "p_value": .number(String(point.pValue)),
                "two_sample_p_value": .number(String(point.testPValue)),
                "permutations": .number(String(detector.permutations)),
                "minimum_segment_days": .number(String(detector.minimumSegment)),
            ],
        ]
        if !movers.isEmpty { evidence["intents"] = .array(movers) }
        return DriftFinding(metric: metric, model: series.model, point: point, day: day, direction: direction,
                            beforeValue: before, afterValue: after, intentID: intentID, evidence: .object(evidence))
    }

    /// `0.001`, `< 0.001`, `0.04`.
    static func pValue(_ p: Double) -> String {
        if p < 0.001 { return "< 0.001" }
        return p < 0.01 ? String(format: "%.3f", p) : String(format: "%.2f", p)
    }

    /// `2026-11-03`.
    static func iso(_ date: Date) -> String { String(Format.iso(date).prefix(10)) }
}
