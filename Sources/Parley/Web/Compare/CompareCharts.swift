import Foundation

/// The charts of the Compare pages, drawn like `SVGChart`'s (an `<svg role="img">` with a summary title, a `<title>`
/// per mark, colours from CSS classes): paired A/B bars, and a drift series with its change point marked.
enum CompareCharts {
    /// Two horizontal bars, A above B, scaled to `maximum` (the larger of the two when nil).
    static func pair(a: Double?, b: Double?, maximum: Double? = nil, label: String, format: (Double) -> String) -> HTML {
        let width = 160.0, height = 26.0, bar = 9.0
        let top = max(maximum ?? max(a ?? 0, b ?? 0), 1e-12)
        let summary = "\(label): A \(a.map(format) ?? "none"), B \(b.map(format) ?? "none")"
        var svg = "<svg class=\"chart compare-pair\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" "
            + "height=\"\(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(summary))\" xmlns=\"http://www.w3.org/2000/svg\">"
            + "<title>\(HTML.escape(summary))</title>"
        for (row, value, name) in [(0.0, a, "A"), (1.0, b, "B")] {
            let length = value.map { max($0 > 0 ? 1 : 0, width * min($0, top) / top) } ?? 0
            svg += "<rect class=\"compare-track\" x=\"0\" y=\"\(f(2 + row * (bar + 4)))\" width=\"\(Int(width))\" height=\"\(Int(bar))\" rx=\"3\"/>"
            svg += "<rect class=\"compare-bar-\(name.lowercased())\" x=\"0\" y=\"\(f(2 + row * (bar + 4)))\" width=\"\(f(length))\" "
                + "height=\"\(Int(bar))\" rx=\"3\"><title>\(name): \(HTML.escape(value.map(format) ?? "none"))</title></rect>"
        }
        return HTML(trusted: svg + "</svg>")
    }

    /// A daily series (gaps where a day has no value) with the change day marked and the levels before and after.
    static func drift(days: [String], values: [Double?], changeIndex: Int?, before: Double, after: Double,
                      title: String, format: (Double) -> String) -> HTML {
        let width = 720.0, height = 200.0, left = 56.0, right = 12.0, top = 14.0, bottom = 26.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let known = values.compactMap { $0 } + [before, after]
        let maximum = SVGChart.niceCeiling((known.max() ?? 0) * 1.05)
        func x(_ index: Int) -> Double { left + (days.count > 1 ? plotWidth * Double(index) / Double(days.count - 1) : plotWidth / 2) }
        func y(_ value: Double) -> Double { top + plotHeight - (maximum > 0 ? plotHeight * value / maximum : 0) }
        let summary = "\(title): \(format(before)) before, \(format(after)) after"
            + (changeIndex.map { $0 < days.count ? " from \(days[$0])" : "" } ?? "")
        var svg = "<svg class=\"chart chart-drift\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" "
            + "height=\"\(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(summary))\" xmlns=\"http://www.w3.org/2000/svg\">"
            + "<title>\(HTML.escape(summary))</title>"
        for step in 0...2 {
            let value = maximum * Double(step) / 2
            svg += "<line class=\"chart-grid\" x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(y(value)))\" y2=\"\(f(y(value)))\"/>"
            svg += "<text class=\"chart-axis\" x=\"\(f(left - 6))\" y=\"\(f(y(value) + 4))\" text-anchor=\"end\">"
                + "\(HTML.escape(format(value)))</text>"
        }
        let every = max(1, days.count / 6)
        for (index, day) in days.enumerated() where index % every == 0 || index == days.count - 1 {
            svg += "<text class=\"chart-axis\" x=\"\(f(x(index)))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">\(HTML.escape(day))</text>"
        }
        if let change = changeIndex, change < days.count {
            let split = x(change) - (days.count > 1 ? plotWidth / Double(days.count - 1) / 2 : 0)
            svg += "<rect class=\"drift-after\" x=\"\(f(split))\" y=\"\(f(top))\" width=\"\(f(width - right - split))\" height=\"\(f(plotHeight))\"/>"
            svg += "<line class=\"drift-level\" x1=\"\(f(left))\" x2=\"\(f(split))\" y1=\"\(f(y(before)))\" y2=\"\(f(y(before)))\">"
                + "<title>Before: \(HTML.escape(format(before)))</title></line>"
            svg += "<line class=\"drift-level\" x1=\"\(f(split))\" x2=\"\(f(width - right))\" y1=\"\(f(y(after)))\" y2=\"\(f(y(after)))\">"
                + "<title>After: \(HTML.escape(format(after)))</title></line>"
            svg += "<line class=\"drift-marker\" x1=\"\(f(split))\" x2=\"\(f(split))\" y1=\"\(f(top - 4))\" y2=\"\(f(top + plotHeight))\">"
                + "<title>Change from \(HTML.escape(days[change]))</title></line>"
            svg += "<text class=\"drift-marker-label\" x=\"\(f(split + 4))\" y=\"\(f(top + 8))\">change · \(HTML.escape(days[change]))</text>"
        }
        // The line, broken where a day has no value.
        var runs: [[(Double, Double)]] = [[]]
        for (index, value) in values.enumerated() {
            if let value { runs[runs.count - 1].append((x(index), y(value))) } else if !(runs.last?.isEmpty ?? true) { runs.append([]) }
        }
        for run in runs where run.count > 1 {
            svg += "<polyline class=\"chart-line\" points=\"" + run.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ") + "\"/>"
        }
        for (index, value) in values.enumerated() {
            guard let value else { continue }
            svg += "<circle class=\"chart-point\" cx=\"\(f(x(index)))\" cy=\"\(f(y(value)))\" r=\"2.5\"><title>"
                + "\(HTML.escape(days[index])): \(HTML.escape(format(value)))</title></circle>"
        }
        return HTML(trusted: svg + "</svg>")
    }

    /// Coordinates with at most one decimal.
    private static func f(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
