import Foundation

/// Turns intent data into what the intents templates print: taxonomy rows, model versions with their metrics, the
/// confusion heatmap and its top confusions. Pure functions, so tests can call them directly.
enum IntentPresenter {
    /// `0.9425` → `94.3%`; "–" when not measured.
    static func percent(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "–" }
        let tenths = (value * 1_000).rounded() / 10
        return tenths == tenths.rounded() ? "\(Int(tenths))%" : String(format: "%.1f%%", tenths)
    }

    /// A share of a whole as a whole or one-decimal percentage (`0.004` → `0.4%`).
    static func share(_ value: Double) -> String {
        value > 0 && value < 0.01 ? String(format: "%.1f%%", value * 100) : "\(Int((value * 100).rounded()))%"
    }

    static func kindTitle(_ kind: String) -> String {
        kind == "zero_shot" ? "Zero-shot" : kind == "supervised" ? "Supervised" : kind
    }

    // MARK: Taxonomy

    /// One row of the taxonomy table from an item of `IntentStore.list`'s `intents`.
    static func row(_ intent: JSONValue, days: [Int], largestShare: Double) -> [String: Any] {
        let fraction = intent["share"]?.doubleValue ?? 0
        var values: [String: Any] = [
            "id": intent["id"]?.intValue ?? 0,
            "name": intent["name"]?.stringValue ?? "",
            "description": intent["description"]?.stringValue ?? "",
            "hasDescription": !(intent["description"]?.stringValue ?? "").isEmpty,
            "source": intent["source"]?.stringValue ?? "manual",
            "fromCluster": intent["source"]?.stringValue == "cluster",
            "fromImport": intent["source"]?.stringValue == "import",
            "examples": Format.number(intent["examples"]?.intValue ?? 0),
            "noExamples": (intent["examples"]?.intValue ?? 0) == 0,
            "conversations": Format.number(intent["conversations"]?.intValue ?? 0),
            "last7d": Format.number(intent["last_7_days"]?.intValue ?? 0),
            "share": share(fraction),
            "barPercent": largestShare > 0 ? max(0, min(100, Int((fraction / largestShare * 100).rounded()))) : 0,
            "sparkHtml": SVGChart.sparkline(days.map(Double.init), title: "Conversations per day, last \(days.count) days",
                                            width: 120, height: 28),
        ]
        if let cluster = intent["cluster_id"]?.intValue { values["clusterID"] = cluster }
        return values
    }

    // MARK: Models

    /// Template values of a model version.
    static func model(_ model: IntentPageData.ModelVersion) -> [String: Any] {
        let metrics = model.metrics
        var values: [String: Any] = [
            "id": model.id, "version": model.version, "kind": model.kind, "kindTitle": kindTitle(model.kind),
            "isSupervised": model.kind == "supervised", "active": model.active, "note": model.note,
            "embeddingModel": model.embeddingModel, "intents": Format.number(model.intents),
            "accuracy": percent(metrics["accuracy"]?.doubleValue),
            "macroF1": metrics["macro_f1"]?.doubleValue.map { String(format: "%.3f", $0) } ?? "–",
            "score": percent(metrics["score"]?.doubleValue),
            "outOfScopeRecall": percent(metrics["out_of_scope_recall"]?.doubleValue),
            "created": Format.relative(model.createdAt), "createdTitle": Format.time(model.createdAt),
            "createdISO": Format.iso(model.createdAt),
            "labelsUsed": Format.number(model.labelsUsed),
        ]
        var basis: [String] = []
        if let held = metrics["held_out"]?.intValue, held > 0 { basis.append("\(Format.number(held)) held-out labels") }
        if let trained = metrics["trained_on"]?.intValue { basis.append("trained on \(Format.number(trained))") }
        if let examples = metrics["examples"]?.intValue { basis.append("\(Format.number(examples)) examples") }
        values["basis"] = basis.joined(separator: " · ")
        values["isMeasured"] = metrics["accuracy"]?.doubleValue != nil || metrics["score"]?.doubleValue != nil
        return values
    }

    // MARK: Confusion

    /// The heatmap: rows are human labels, columns predictions, over the same intents in the same order (by name),
    /// with out of scope / unrecognized last; rows without labels are left out.
    struct Confusion {
        var rows: [[String: Any]] = []
        var columns: [[String: Any]] = []
        var top: [[String: Any]] = []
        var total = 0
        var agreeing = 0
    }

    static func confusion(_ cells: [(labelled: Int?, predicted: Int?, count: Int)], names: [Int: String],
                          topCount: Int = 12) -> Confusion {
        var result = Confusion()
        var counts: [Int?: [Int?: Int]] = [:]
        var rowTotals: [Int?: Int] = [:]
        var keys = Set<Int?>()
        for cell in cells where cell.count > 0 {
            // Predictions or labels of intents deleted since are left out: their names are gone.
            if let id = cell.labelled, names[id] == nil { continue }
            if let id = cell.predicted, names[id] == nil { continue }
            counts[cell.labelled, default: [:]][cell.predicted, default: 0] += cell.count
            rowTotals[cell.labelled, default: 0] += cell.count
            keys.insert(cell.labelled)
            keys.insert(cell.predicted)
            result.total += cell.count
            if cell.labelled == cell.predicted { result.agreeing += cell.count }
        }
        func name(_ key: Int?, row: Bool) -> String { key.flatMap { names[$0] } ?? (row ? "Out of scope" : "Unrecognized") }
        let order: [Int?] = keys.compactMap { $0 }.sorted {
            (names[$0] ?? "").localizedCaseInsensitiveCompare(names[$1] ?? "") == .orderedAscending
        } + (keys.contains(nil) ? [nil] : [])
        result.columns = order.enumerated().map { index, key in
            var column: [String: Any] = ["name": name(key, row: false), "number": index + 1, "isNone": key == nil]
            if let key { column["id"] = key }
            return column
        }
        for key in order {
            guard let total = rowTotals[key], total > 0 else { continue }
            let row = counts[key] ?? [:]
            let correct = row[key] ?? 0
            var values: [String: Any] = [
                "name": name(key, row: true), "isNone": key == nil, "total": Format.number(total),
                "recall": share(Double(correct) / Double(total)),
                "cells": order.map { column -> [String: Any] in
                    let count = row[column] ?? 0
                    let fraction = Double(count) / Double(total)
                    let diagonal = column == key
                    return [
                        "count": count > 0 ? Format.number(count) : "",
                        "heat": count == 0 ? 0 : max(1, min(8, Int((fraction * 8).rounded(.up)))),
                        "kind": diagonal ? "hit" : "miss",
                        "title": "Labelled \(name(key, row: true)), predicted \(name(column, row: false)): "
                            + "\(Format.number(count)) of \(Format.number(total)) (\(share(fraction)))",
                    ]
                },
            ]
            if let key { values["id"] = key }
            result.rows.append(values)
        }
        var mistakes: [(labelled: Int?, predicted: Int?, count: Int)] = []
        for (labelled, row) in counts {
            for (predicted, count) in row where predicted != labelled { mistakes.append((labelled, predicted, count)) }
        }
        mistakes.sort { a, b in
            a.count != b.count ? a.count > b.count : name(a.labelled, row: true) < name(b.labelled, row: true)
        }
        result.top = mistakes.prefix(topCount).map { mistake in
            let total = rowTotals[mistake.labelled] ?? 1
            var values: [String: Any] = [
                "labelled": name(mistake.labelled, row: true), "predicted": name(mistake.predicted, row: false),
                "count": Format.number(mistake.count),
                "share": share(Double(mistake.count) / Double(max(total, 1))),
                "percent": max(1, min(100, mistake.count * 100 / max(total, 1))),
            ]
            if let id = mistake.labelled { values["labelledID"] = id }
            if let id = mistake.predicted { values["predictedID"] = id }
            return values
        }
        return result
    }
}
