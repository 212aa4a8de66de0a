import Foundation

/// Turns `ClusterQueries` results into what the clusters templates print: table rows, the hierarchy, the map's
/// bubbles, trend badges, feedback and history sentences. Pure functions, so tests can call them directly.
enum ClusterPresenter {
    /// A leaf cluster with the top-level group it belongs to (its colour on the map).
    struct Leaf {
        var node: ClusterQueries.Node
        var group: Int
        var groupName: String?
        var parentName: String?
    }

    /// Every leaf of the tree, with the index of its top-level node (largest first) as its group.
    static func leaves(of roots: [ClusterQueries.Node]) -> [Leaf] {
        var found: [Leaf] = []
        func walk(_ node: ClusterQueries.Node, group: Int, top: ClusterQueries.Node, parent: ClusterQueries.Node?) {
            if node.level == 0 {
                found.append(Leaf(node: node, group: group, groupName: top.level > 0 ? top.name : nil,
                                  parentName: parent?.name))
            }
            for child in node.children { walk(child, group: group, top: top, parent: node) }
        }
        for (index, root) in roots.enumerated() { walk(root, group: index, top: root, parent: nil) }
        return found
    }

    // MARK: Sorting

    /// A column the table can be sorted by, with its natural direction.
    enum SortKey: String, CaseIterable {
        case name, size, growth, trend, feedback

        var descendingByDefault: Bool { self != .name }
    }

    /// The sort of `?sort=…&order=asc|desc` (size, largest first, by default; unknown values fall back to it).
    static func sort(query: (String?, String?)) -> (key: SortKey, descending: Bool) {
        let key = query.0.flatMap(SortKey.init(rawValue:)) ?? .size
        switch query.1 {
        case "asc": return (key, false)
        case "desc": return (key, true)
        default: return (key, key.descendingByDefault)
        }
    }

    static func trendRank(_ trend: String) -> Int {
        switch trend {
        case "rising": 3
        case "new": 2
        case "steady": 1
        default: 0
        }
    }

    /// Leaves in the chosen order; missing values (no growth, no feedback) always go last. Ties: size, then id.
    static func sorted(_ leaves: [Leaf], by key: SortKey, descending: Bool) -> [Leaf] {
        func value(_ node: ClusterQueries.Node) -> Double? {
            switch key {
            case .name: nil
            case .size: Double(node.size)
            case .growth: node.growth7d ?? (node.previous7d == 0 && node.last7d > 0 ? .infinity : nil)
            case .trend: Double(trendRank(node.trend))
            case .feedback: node.averageThumb ?? node.averageRating.map { ($0 - 3) / 2 }
            }
        }
        return leaves.sorted { a, b in
            if key == .name {
                let order = a.node.name.localizedCaseInsensitiveCompare(b.node.name)
                if order != .orderedSame { return descending ? order == .orderedDescending : order == .orderedAscending }
            } else {
                switch (value(a.node), value(b.node)) {
                case let (x?, y?) where x != y: return descending ? x > y : x < y
                case (_?, nil): return true
                case (nil, _?): return false
                default: break
                }
            }
            return (a.node.size, b.node.id) > (b.node.size, a.node.id)
        }
    }

    /// The header links of the table: each sorts by its column, the current one flips its direction.
    static func sortLinks(current: SortKey, descending: Bool, all: Bool = false) -> [String: Any] {
        var links: [String: Any] = [:]
        for key in SortKey.allCases {
            let isCurrent = key == current
            let nextDescending = isCurrent ? !descending : key.descendingByDefault
            links[key.rawValue] = [
                "url": "/clusters?sort=\(key.rawValue)&order=\(nextDescending ? "desc" : "asc")\(all ? "&all=1" : "")#table",
                "active": isCurrent,
                "arrow": isCurrent ? (descending ? "↓" : "↑") : "",
                "aria": isCurrent ? (descending ? "descending" : "ascending") : "none",
            ] as [String: Any]
        }
        return links
    }

    // MARK: Values

    /// `+35%`, `−20%`, `new` (nothing the week before) or `–`.
    static func growth(_ node: ClusterQueries.Node) -> (text: String, kind: String) {
        if let growth = node.growth7d {
            let percent = Int((growth * 100).rounded())
            return (percent > 0 ? "+\(percent)%" : percent < 0 ? "−\(-percent)%" : "0%",
                    percent >= 10 ? "up" : percent <= -10 ? "down" : "flat")
        }
        return node.last7d > 0 ? ("new", "up") : ("–", "flat")
    }

    /// `82% positive` from thumbs, else `3.4 / 5` from ratings, else nil.
    static func feedback(_ node: ClusterQueries.Node) -> (text: String, detail: String, kind: String)? {
        let rated = node.thumbsUp + node.thumbsDown
        if rated > 0 {
            let positive = Int((Double(node.thumbsUp) * 100 / Double(rated)).rounded())
            return ("\(positive)% positive", "\(Format.number(node.thumbsUp)) up, \(Format.number(node.thumbsDown)) down",
                    positive >= 70 ? "good" : positive < 50 ? "bad" : "mixed")
        }
        if let rating = node.averageRating {
            return (String(format: "%.1f / 5", rating), "\(Format.number(node.ratingCount)) ratings",
                    rating >= 4 ? "good" : rating < 3 ? "bad" : "mixed")
        }
        return nil
    }

    static func trendTitle(_ trend: String) -> String {
        switch trend {
        case "new": "New: nothing before the last 7 days"
        case "rising": "Rising: at least 25% more than the week before"
        case "fading": "Fading: at least 20% fewer than the week before"
        default: "Steady week over week"
        }
    }

    static func percent(_ share: Double) -> String {
        let value = share * 100
        if value > 0 && value < 1 { return "<1%" }
        return "\(Int(value.rounded()))%"
    }

    /// Values of one table row; `days` is the cluster's conversations per day, oldest first.
    static func row(_ leaf: Leaf, days: [Int], largest: Int) -> [String: Any] {
        let node = leaf.node
        let growth = growth(node)
        var values: [String: Any] = [
            "id": node.id, "name": node.name, "pinned": node.pinned, "custom": node.customName != nil,
            "size": Format.number(node.size), "share": percent(node.share),
            // The bar compares with the largest cluster: shares of a few percent would all look empty.
            "barPercent": largest > 0 ? max(0, min(100, node.size * 100 / largest)) : 0,
            "trend": node.trend, "trendTitle": trendTitle(node.trend),
            "growth": growth.text, "growthKind": growth.kind, "last7d": Format.number(node.last7d),
            "group": leaf.group % ClusterMap.palette,
            "sparkHtml": SVGChart.sparkline(days.map(Double.init), title: "Conversations per day, last \(days.count) days",
                                            width: 120, height: 28),
        ]
        if let name = leaf.groupName { values["groupName"] = name }
        // Keywords the name does not already show.
        let named = Set(node.name.lowercased().components(separatedBy: " · "))
        let extra = node.keywords.filter { !named.contains($0.lowercased()) }.prefix(4)
        if !extra.isEmpty { values["keywords"] = extra.joined(separator: " · ") }
        if let feedback = feedback(node) {
            values["feedback"] = ["text": feedback.text, "detail": feedback.detail, "kind": feedback.kind]
        }
        return values
    }

    // MARK: Hierarchy

    /// The hierarchy as nested `<details>` (groups) and links (clusters). Escaped here: recursion is clearer in
    /// Swift than in Mustache partials.
    static func hierarchy(_ roots: [ClusterQueries.Node]) -> HTML {
        var html = "<ul class=\"cluster-tree\">"
        let openCount = roots.count <= 6 ? roots.count : 3
        for (index, root) in roots.enumerated() {
            html += item(root, group: index % ClusterMap.palette, open: index < openCount)
        }
        return HTML(trusted: html + "</ul>")
    }

    private static func item(_ node: ClusterQueries.Node, group: Int, open: Bool) -> String {
        let label = "<span class=\"swatch map-group-\(group)\" aria-hidden=\"true\"></span>"
            + "<a href=\"/clusters/\(node.id)\">\(HTML.escape(node.name))</a>"
            + (node.pinned ? "<span class=\"badge pinned\" title=\"Pinned\">pinned</span>" : "")
            + "<span class=\"tree-count\">\(Format.number(node.size)) · \(percent(node.share))</span>"
        guard !node.children.isEmpty else { return "<li class=\"tree-leaf\">\(label)</li>" }
        var html = "<li class=\"tree-group\"><details\(open ? " open" : "")><summary>\(label)"
            + "<span class=\"tree-kids\">\(node.children.count) \(node.children.count == 1 ? "cluster" : "clusters")</span>"
            + "</summary><ul>"
        for child in node.children { html += item(child, group: group, open: false) }
        return html + "</ul></details></li>"
    }

    // MARK: History

    /// A sentence for a history event, with the ids it mentions as links.
    static func event(_ event: ClusterQueries.Event, now: Date = Date()) -> [String: Any] {
        let others = event.related.map { "<a href=\"/clusters/\($0)\">#\($0)</a>" }.joined(separator: ", ")
        func text(_ key: String) -> String? { event.detail[key]?.stringValue }
        let sentence: String
        switch event.kind {
        case "new": sentence = "Appeared in a clustering run"
        case "vanished": sentence = "Vanished: no cluster of a later run matched it"
        case "reappeared": sentence = "Reappeared in a clustering run"
        case "split": sentence = "Split by a run into " + others
        case "merge": sentence = "Absorbed " + others + " in a run"
        case "renamed":
            sentence = text("to").map { "Renamed to “\(HTML.escape($0))”" } ?? "Name reset to the automatic one"
        case "pinned": sentence = "Pinned: its name and identity are kept across runs"
        case "unpinned": sentence = "Unpinned"
        case "merged_by_user": sentence = "Merged " + others + " into this cluster"
        case "split_by_user":
            sentence = "Split into \(event.related.count + 1) parts" + (others.isEmpty ? "" : ", new: " + others)
        default: sentence = HTML.escape(event.kind)
        }
        var values: [String: Any] = [
            "kind": event.kind, "sentenceHtml": HTML(trusted: sentence),
            "when": Format.relative(event.at, now: now), "whenTitle": Format.time(event.at), "whenISO": Format.iso(event.at),
        ]
        if let actor = event.actor { values["actor"] = actor }
        return values
    }

    /// `yyyy-MM-dd` → `Nov 3` (the series of `ClusterQueries.detail`).
    static func dayLabel(_ day: String) -> String {
        let parts = day.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return day }
        var components = DateComponents()
        components.year = parts[0]
        components.month = parts[1]
        components.day = parts[2]
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        return calendar.date(from: components).map(Format.day) ?? day
    }
}
