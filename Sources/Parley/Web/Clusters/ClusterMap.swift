import Foundation
import Postgres

/// The 2-D map of the clusters page as server-rendered SVG: a faint sample of conversations, and one bubble per
/// cluster (area proportional to its size, colour of its top-level group) linking to the cluster's page.
///
/// Positions come from the latest run's layout (`clusters.x/y`, `cluster_map_points`), in `[0, 1]²`; the map
/// fits them into its box keeping the aspect ratio, so distances stay comparable in both directions.
enum ClusterMap {
    /// A cluster drawn on the map.
    struct Bubble: Sendable {
        var id: Int
        var name: String
        var size: Int
        var share: String
        var group: Int
        var groupName: String?
        var x: Double
        var y: Double
    }

    /// A sampled conversation drawn as a dot.
    struct Dot: Sendable {
        var group: Int
        var x: Double
        var y: Double
    }

    /// Colours of groups (`map-group-0` … in the stylesheet).
    static let palette = 8
    /// Bubbles named on the map itself (the largest); the others have their name in a tooltip.
    static let labelled = 14

    /// Positions of up to `limit` sampled conversations of the project, by cluster.
    static func dots(pool: PostgresPool, projectID: Int, limit: Int = 2_500) async throws -> [(cluster: Int, x: Double, y: Double)] {
        try await pool.query("""
            SELECT cluster_id, x, y FROM cluster_map_points
            WHERE project_id = \(projectID) AND cluster_id IS NOT NULL
            ORDER BY conversation_id LIMIT \(limit)
            """).map { row in
            let (cluster, x, y) = try row.decode((Int, Float, Float).self)
            return (cluster, Double(x), Double(y))
        }
    }

    /// The map's SVG.
    static func svg(bubbles: [Bubble], dots: [Dot], width: Int = 720, height: Int = 560) -> HTML {
        let summary = "Map of \(bubbles.count) \(bubbles.count == 1 ? "cluster" : "clusters"): similar clusters lie close together; "
            + "bubble area is the number of conversations"
        var svg = "<svg class=\"cluster-map\" viewBox=\"0 0 \(width) \(height)\" role=\"group\" "
            + "aria-label=\"\(HTML.escape(summary))\" xmlns=\"http://www.w3.org/2000/svg\">"
            + "<title>\(HTML.escape(summary))</title>"
        guard !bubbles.isEmpty else { return HTML(trusted: svg + "</svg>") }
        let largest = Double(bubbles.map(\.size).max() ?? 1)
        // Fewer, larger bubbles for few clusters; many clusters get smaller ones so the map stays readable.
        let maximumRadius = min(52, max(16, 300 / Double(bubbles.count).squareRoot()))
        let minimumRadius = 4.0
        func radius(_ size: Int) -> Double {
            minimumRadius + (maximumRadius - minimumRadius) * (Double(max(size, 0)) / max(largest, 1)).squareRoot()
        }
        let fit = Fit(points: bubbles.map { ($0.x, $0.y, radius($0.size)) } + dots.map { ($0.x, $0.y, 2) },
                      width: Double(width), height: Double(height), margin: 12)

        svg += "<g class=\"map-dots\" aria-hidden=\"true\">"
        for dot in dots {
            let (x, y) = fit.place(dot.x, dot.y)
            svg += "<circle class=\"map-dot map-group-\(dot.group % palette)\" cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"1.8\"/>"
        }
        svg += "</g><g class=\"map-bubbles\">"
        // Largest first, so that small clusters lying on big ones stay clickable.
        let ordered = bubbles.sorted { ($0.size, $1.id) > ($1.size, $0.id) }
        for bubble in ordered {
            let (x, y) = fit.place(bubble.x, bubble.y)
            let tip = "\(bubble.name): \(Format.number(bubble.size)) conversations (\(bubble.share))"
                + (bubble.groupName.map { ", in \($0)" } ?? "")
            svg += "<a href=\"/clusters/\(bubble.id)\" class=\"map-link\" aria-label=\"\(HTML.escape(tip))\">"
                + "<circle class=\"bubble map-group-\(bubble.group % palette)\" data-cluster=\"\(bubble.id)\" "
                + "cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(f(radius(bubble.size)))\"><title>\(HTML.escape(tip))</title></circle></a>"
        }
        svg += "</g><g class=\"map-labels\" aria-hidden=\"true\">"
        // The largest clusters are named on the map, skipping any label that would overlap one already placed.
        var placed: [(x: Double, y: Double, width: Double)] = []
        for bubble in ordered where placed.count < labelled {
            let (x, y) = fit.place(bubble.x, bubble.y)
            let name = bubble.name.count > 24 ? String(bubble.name.prefix(23)) + "…" : bubble.name
            // About 6.3 px per character at the label's 11.5 px font.
            let width = Double(name.count) * 6.3
            let clear = placed.allSatisfy { abs($0.x - x) > ($0.width + width) / 2 + 4 || abs($0.y - y) > 15 }
            guard clear else { continue }
            placed.append((x, y, width))
            svg += "<text class=\"map-label\" x=\"\(f(x))\" y=\"\(f(y + 4))\" text-anchor=\"middle\">\(HTML.escape(name))</text>"
        }
        return HTML(trusted: svg + "</g></svg>")
    }

    /// Uniform scaling of layout coordinates into the box, keeping every circle inside.
    struct Fit {
        var scale: Double
        var offsetX: Double
        var offsetY: Double

        init(points: [(x: Double, y: Double, r: Double)], width: Double, height: Double, margin: Double) {
            let pad = margin + (points.map(\.r).max() ?? 0)
            let low = (x: points.map(\.x).min() ?? 0, y: points.map(\.y).min() ?? 0)
            let high = (x: points.map(\.x).max() ?? 1, y: points.map(\.y).max() ?? 1)
            let spanX = max(high.x - low.x, 1e-6), spanY = max(high.y - low.y, 1e-6)
            scale = min((width - 2 * pad) / spanX, (height - 2 * pad) / spanY)
            // One cluster alone (or all at one spot) sits in the middle.
            if !scale.isFinite || scale > 1e5 { scale = 0 }
            offsetX = (width - scale * spanX) / 2 - scale * low.x
            offsetY = (height - scale * spanY) / 2 - scale * low.y
        }

        func place(_ x: Double, _ y: Double) -> (Double, Double) {
            (offsetX + scale * x, offsetY + scale * y)
        }
    }

    /// Coordinates with at most one decimal.
    private static func f(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
