import Foundation
import Insights

/// Template values of a comparison: the side summaries, the metrics table, the mix tables and the movers.
enum CompareView {
    static func values(_ comparison: Comparison, hiddenClusters: Set<Int>) -> [String: Any] {
        let metrics = comparison.metrics.map(metricRow)
        let tested = comparison.metrics.filter { $0.result != nil } .count
            + (comparison.intents.test != nil ? 1 : 0) + (comparison.clusters.test != nil ? 1 : 0)
        let significant = comparison.metrics.filter(\.isSignificant).count
            + (comparison.intents.isSignificant ? 1 : 0) + (comparison.clusters.isSignificant ? 1 : 0)
        var clusters = comparison.clusters
        // Viewers do not see clusters below the minimum size: they are counted together.
        if !hiddenClusters.isEmpty {
            let hidden = clusters.rows.filter { $0.id.map(hiddenClusters.contains) ?? false }
            clusters.rows.removeAll { $0.id.map(hiddenClusters.contains) ?? false }
            if !hidden.isEmpty {
                let countA = hidden.reduce(0) { $0 + $1.countA }, countB = hidden.reduce(0) { $0 + $1.countB }
                clusters.rows.append(Comparison.MixRow(
                    id: nil, name: "Small clusters (\(hidden.count))", countA: countA, countB: countB,
                    shareA: clusters.totalA > 0 ? Double(countA) / Double(clusters.totalA) : 0,
                    shareB: clusters.totalB > 0 ? Double(countB) / Double(clusters.totalB) : 0))
            }
        }
        let visible: (Comparison.MixRow) -> Bool = { row in row.id.map { !hiddenClusters.contains($0) } ?? false }
        return [
            "a": side(comparison.a, comparison.dataA),
            "b": side(comparison.b, comparison.dataB),
            "metrics": metrics,
            "tested": tested,
            "significantCount": significant,
            "verdict": significant == 0
                ? "No difference is statistically significant."
                : "\(significant) of \(tested) tested differences \(significant == 1 ? "is" : "are") statistically significant.",
            "intentMix": mix(comparison.intents, kind: "intent", link: { "/intents/\($0)" }),
            "clusterMix": mix(clusters, kind: "cluster", link: { "/clusters/\($0)" }),
            "grew": comparison.grew.filter(visible).map { mover($0) },
            "shrank": comparison.shrank.filter(visible).map { mover($0) },
            "hasMovers": !(comparison.grew.filter(visible).isEmpty && comparison.shrank.filter(visible).isEmpty),
            "swapURL": "/compare?" + [comparison.b.queryString(prefix: "a"), comparison.a.queryString(prefix: "b")]
                .filter { !$0.isEmpty }.joined(separator: "&"),
        ]
    }

    static func side(_ side: ComparisonSide, _ data: Comparison.SideData) -> [String: Any] {
        var values: [String: Any] = [
            "label": side.label, "conversations": Format.number(data.conversations),
            "sampled": Format.number(data.sampled), "isEmpty": data.conversations == 0,
            "conversationsURL": "/conversations" + (side.filter.queryString.isEmpty ? "" : "?" + side.filter.queryString),
        ]
        if let first = data.first, let last = data.last {
            values["range"] = Format.day(first) == Format.day(last) ? Format.day(first) : "\(Format.day(first)) – \(Format.day(last))"
        }
        return values
    }

    static func metricRow(_ metric: Comparison.Metric) -> [String: Any] {
        let format = formatter(metric)
        var row: [String: Any] = [
            "key": metric.key, "name": metric.name, "test": metric.test ?? "",
            "a": metric.a.map(format) ?? "–", "b": metric.b.map(format) ?? "–",
            "nA": Format.number(metric.countA), "nB": Format.number(metric.countB),
            "significant": metric.isSignificant, "tested": metric.result != nil,
            "isCount": metric.kind == .count,
            "pairHtml": CompareCharts.pair(a: metric.a, b: metric.b, maximum: metric.kind == .rate ? nil : nil,
                                           label: metric.name, format: format),
        ]
        if let difference = metric.difference {
            row["difference"] = differenceText(metric, difference)
            row["direction"] = difference > 0 ? "up" : difference < 0 ? "down" : "same"
        }
        if let result = metric.result {
            row["p"] = pText(result.pValue)
            row["adjustedP"] = pText(metric.adjustedPValue ?? result.pValue)
            row["statistic"] = statisticText(metric.kind == .rate ? "z" : "t", result)
        } else if metric.kind != .count {
            row["untestedReason"] = metric.countA < 2 || metric.countB < 2 ? "too few on one side" : "not testable"
        }
        return row
    }

    static func formatter(_ metric: Comparison.Metric) -> (Double) -> String {
        switch (metric.kind, metric.key) {
        case (.rate, _): { DriftMetric.percent($0) }
        case (.mean, "rating"): { String(format: "%.2f", $0) }
        case (.mean, _): { Format.number($0.rounded()) }
        case (.count, _): { Format.number($0) }
        }
    }

    static func differenceText(_ metric: Comparison.Metric, _ difference: Double) -> String {
        let sign = difference > 0 ? "+" : difference < 0 ? "−" : "±"
        switch metric.kind {
        case .rate: return sign + String(format: "%.1f pts", abs(difference) * 100)
        case .mean where metric.key == "rating": return sign + String(format: "%.2f", abs(difference))
        default:
            let relative = metric.relativeDifference.map { String(format: " (%@%.0f%%)", sign, abs($0) * 100) } ?? ""
            return sign + Format.number(abs(difference).rounded()) + relative
        }
    }

    static func mix(_ mix: Comparison.Mix, kind: String, link: (Int) -> String) -> [String: Any] {
        let largest = mix.rows.map { max($0.shareA, $0.shareB) }.max() ?? 0
        let rows: [[String: Any]] = mix.rows.prefix(30).map { row in
            var values: [String: Any] = [
                "name": row.name, "url": row.id.map(link) ?? "", "hasURL": row.id != nil,
                "countA": Format.number(row.countA), "countB": Format.number(row.countB),
                "shareA": DriftMetric.percent(row.shareA), "shareB": DriftMetric.percent(row.shareB),
                "difference": (row.difference >= 0 ? "+" : "−") + String(format: "%.1f pts", abs(row.difference) * 100),
                "direction": row.difference > 0 ? "up" : row.difference < 0 ? "down" : "same",
                "significant": row.isSignificant,
                "pairHtml": CompareCharts.pair(a: row.shareA, b: row.shareB, maximum: largest, label: row.name,
                                               format: DriftMetric.percent),
            ]
            if let result = row.result { values["adjustedP"] = pText(row.adjustedPValue ?? result.pValue) }
            return values
        }
        var values: [String: Any] = [
            "rows": rows, "isEmpty": mix.rows.isEmpty, "more": max(0, mix.rows.count - 30),
            "totalA": Format.number(mix.totalA), "totalB": Format.number(mix.totalB), "significant": mix.isSignificant,
        ]
        if let test = mix.test {
            values["test"] = "χ² = \(String(format: "%.1f", test.statistic)), df = \(Int(test.degreesOfFreedom ?? 0)), "
                + "p = \(pText(test.pValue))" + (mix.adjustedPValue.map { " (adjusted \(pText($0)))" } ?? "")
        }
        return values
    }

    static func mover(_ row: Comparison.MixRow) -> [String: Any] {
        ["name": row.name, "url": row.id.map { "/clusters/\($0)" } ?? "",
         "shareA": DriftMetric.percent(row.shareA), "shareB": DriftMetric.percent(row.shareB),
         "difference": (row.difference >= 0 ? "+" : "−") + String(format: "%.1f pts", abs(row.difference) * 100),
         "significant": row.isSignificant]
    }

    /// `< 0.001`, `0.004`, `0.32`.
    static func pText(_ p: Double) -> String { DriftFinding.pValue(p) }

    static func statisticText(_ name: String, _ result: TestResult) -> String {
        "\(name) = \(String(format: "%.2f", result.statistic))"
            + (result.degreesOfFreedom.map { ", df = \(String(format: "%.0f", $0))" } ?? "")
    }
}
