import Foundation

/// Server-rendered SVG charts: no script, no chart library, readable by screen readers.
///
/// Every chart is an `<svg role="img">` with an `aria-label` and a `<title>` summarising it, and each bar or
/// point has its own `<title>` (a tooltip on hover). Colours come from CSS classes (`chart-bar`,
/// `chart-line`, `series-0`…) so light and dark themes apply; no inline styles, which the CSP forbids.
public enum SVGChart {
    /// One labelled value.
    public struct Point: Sendable {
        public var label: String
        public var value: Double
        public init(_ label: String, _ value: Double) {
            self.label = label
            self.value = value
        }
    }

    /// A named line of a line chart.
    public struct Series: Sendable {
        public var name: String
        public var values: [Double]
        public init(_ name: String, _ values: [Double]) {
            self.name = name
            self.values = values
        }
    }

    /// A vertical bar chart with a light grid and the maximum marked on the value axis.
    /// - Parameters:
    ///   - points: the bars, left to right.
    ///   - title: what the chart shows ("Conversations per day").
    ///   - labelEvery: print every n-th label under the bars (all by default).
    ///   - unit: appended to values in titles ("conversations").
    public static func bars(_ points: [Point], title: String, width: Int = 720, height: Int = 200,
                            labelEvery: Int = 1, unit: String = "") -> HTML {
        let left = 40.0, right = 8.0, top = 10.0, bottom = 24.0
        let plotWidth = Double(width) - left - right, plotHeight = Double(height) - top - bottom
        let maximum = niceCeiling(points.map(\.value).max() ?? 0)
        let total = points.reduce(0) { $0 + $1.value }
        let summary = "\(title): \(points.count) values, total \(Format.number(total))"
            + (points.max { $0.value < $1.value }.map { ", highest \(Format.number($0.value)) (\($0.label))" } ?? "")
        var svg = open(width: width, height: height, label: summary, kind: "bars")
        for step in 0...2 {
            let value = maximum * Double(step) / 2
            let y = top + plotHeight - plotHeight * Double(step) / 2
            svg += "<line class=\"chart-grid\" x1=\"\(f(left))\" x2=\"\(f(Double(width) - right))\" y1=\"\(f(y))\" y2=\"\(f(y))\"/>"
            svg += "<text class=\"chart-axis\" x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(Format.compact(value))</text>"
        }
        let slot = plotWidth / Double(max(points.count, 1))
        let barWidth = max(1, slot * 0.72)
        for (index, point) in points.enumerated() {
            let barHeight = maximum > 0 ? plotHeight * point.value / maximum : 0
            let x = left + slot * Double(index) + (slot - barWidth) / 2
            let y = top + plotHeight - barHeight
            let tip = HTML.escape("\(point.label): \(Format.number(point.value))\(unit.isEmpty ? "" : " " + unit)")
            svg += "<rect class=\"chart-bar\" x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(barWidth))\" "
                + "height=\"\(f(max(barHeight, point.value > 0 ? 1 : 0)))\" rx=\"2\"><title>\(tip)</title></rect>"
            if index % max(labelEvery, 1) == 0 || index == points.count - 1 {
                svg += "<text class=\"chart-axis\" x=\"\(f(x + barWidth / 2))\" y=\"\(f(Double(height) - 6))\" "
                    + "text-anchor=\"middle\">\(HTML.escape(point.label))</text>"
            }
        }
        return HTML(trusted: svg + "</svg>")
    }

    /// A small trend line without axes, ending in a dot, for table cells and figure cards.
    public static func sparkline(_ values: [Double], title: String, width: Int = 240, height: Int = 40) -> HTML {
        let summary = values.isEmpty ? "\(title): no data"
            : "\(title): from \(Format.number(values.first ?? 0)) to \(Format.number(values.last ?? 0)), "
                + "highest \(Format.number(values.max() ?? 0))"
        // Stretches to its box (the line keeps its width through `vector-effect` in the stylesheet).
        var svg = open(width: width, height: height, label: summary, kind: "sparkline", stretch: true)
        guard values.count > 1 else { return HTML(trusted: svg + "</svg>") }
        let points = coordinates(values, width: Double(width), height: Double(height), inset: 3)
        let line = points.map { "\(f($0.x)),\(f($0.y))" }.joined(separator: " ")
        let area = "M\(f(points[0].x)),\(f(Double(height))) L" + line.replacingOccurrences(of: " ", with: " L")
            + " L\(f(points[points.count - 1].x)),\(f(Double(height))) Z"
        svg += "<path class=\"chart-area\" d=\"\(area)\"/>"
        svg += "<polyline class=\"chart-line\" points=\"\(line)\"/>"
        if let last = points.last { svg += "<circle class=\"chart-dot\" cx=\"\(f(last.x))\" cy=\"\(f(last.y))\" r=\"2.5\"/>" }
        return HTML(trusted: svg + "</svg>")
    }

    /// A line chart of one or more series over the same labels, with a legend.
    public static func line(_ series: [Series], labels: [String], title: String, width: Int = 720,
                            height: Int = 220, labelEvery: Int = 1) -> HTML {
        let left = 40.0, right = 8.0, top = 10.0, bottom = 24.0
        let plotWidth = Double(width) - left - right, plotHeight = Double(height) - top - bottom
        let maximum = niceCeiling(series.flatMap(\.values).max() ?? 0)
        let summary = "\(title): " + series.map { "\($0.name) from \(Format.number($0.values.first ?? 0)) to "
            + "\(Format.number($0.values.last ?? 0))" }.joined(separator: "; ")
        var svg = open(width: width, height: height, label: summary, kind: "line")
        for step in 0...2 {
            let y = top + plotHeight - plotHeight * Double(step) / 2
            svg += "<line class=\"chart-grid\" x1=\"\(f(left))\" x2=\"\(f(Double(width) - right))\" y1=\"\(f(y))\" y2=\"\(f(y))\"/>"
            svg += "<text class=\"chart-axis\" x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">"
                + "\(Format.compact(maximum * Double(step) / 2))</text>"
        }
        let count = max(labels.count, 1)
        for (index, label) in labels.enumerated() where index % max(labelEvery, 1) == 0 || index == labels.count - 1 {
            let x = left + (count > 1 ? plotWidth * Double(index) / Double(count - 1) : plotWidth / 2)
            svg += "<text class=\"chart-axis\" x=\"\(f(x))\" y=\"\(f(Double(height) - 6))\" text-anchor=\"middle\">"
                + "\(HTML.escape(label))</text>"
        }
        for (number, one) in series.enumerated() {
            let points = one.values.enumerated().map { index, value in
                (x: left + (count > 1 ? plotWidth * Double(index) / Double(count - 1) : plotWidth / 2),
                 y: top + plotHeight - (maximum > 0 ? plotHeight * value / maximum : 0))
            }
            svg += "<g class=\"series-\(number % 6)\"><title>\(HTML.escape(one.name))</title>"
            svg += "<polyline class=\"chart-line\" points=\"" + points.map { "\(f($0.x)),\(f($0.y))" }.joined(separator: " ")
                + "\"/>"
            for (index, point) in points.enumerated() {
                let tip = HTML.escape("\(one.name), \(index < labels.count ? labels[index] : ""): "
                    + Format.number(one.values[index]))
                svg += "<circle class=\"chart-point\" cx=\"\(f(point.x))\" cy=\"\(f(point.y))\" r=\"3\"><title>\(tip)</title></circle>"
            }
            svg += "</g>"
        }
        return HTML(trusted: svg + "</svg>")
    }

    private static func open(width: Int, height: Int, label: String, kind: String, stretch: Bool = false) -> String {
        "<svg class=\"chart chart-\(kind)\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" "
            + (stretch ? "preserveAspectRatio=\"none\" " : "")
            + "role=\"img\" aria-label=\"\(HTML.escape(label))\" xmlns=\"http://www.w3.org/2000/svg\">"
            + "<title>\(HTML.escape(label))</title>"
    }

    private static func coordinates(_ values: [Double], width: Double, height: Double, inset: Double)
        -> [(x: Double, y: Double)]
    {
        let low = values.min() ?? 0, high = values.max() ?? 0
        let span = high - low
        return values.enumerated().map { index, value in
            let x = inset + (width - 2 * inset) * Double(index) / Double(max(values.count - 1, 1))
            let y = span > 0 ? inset + (height - 2 * inset) * (1 - (value - low) / span) : height / 2
            return (x, y)
        }
    }

    /// 1, 2 or 5 times a power of ten, at least `value` (a round top for the value axis).
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        let magnitude = pow(10, floor(log10(value)))
        for step in [1.0, 2.0, 2.5, 5.0, 10.0] where step * magnitude >= value { return step * magnitude }
        return 10 * magnitude
    }

    /// Coordinates with at most one decimal.
    private static func f(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
