import Foundation

/// The template values of `/clusters/{id}`.
enum ClusterDetailView {
    static func values(_ detail: ClusterQueries.Detail, page: Page, paged: Bool) -> [String: Any] {
        // Viewers see names, keywords and examples with personal data replaced by placeholders.
        let redactor = page.role < .reviewer ? PIIRedactor() : nil
        let clean: (String) -> String = { text in redactor?.redact(text) ?? text }
        var detail = detail
        detail.cluster.name = clean(detail.cluster.name)
        detail.cluster.autoName = clean(detail.cluster.autoName)
        detail.cluster.customName = detail.cluster.customName.map(clean)
        for i in detail.cluster.children.indices { detail.cluster.children[i].name = clean(detail.cluster.children[i].name) }
        if let name = detail.parent?.name { detail.parent?.name = clean(name) }
        for i in detail.examples.indices { detail.examples[i].preview = clean(detail.examples[i].preview) }
        for i in detail.members.indices { detail.members[i].preview = clean(detail.members[i].preview) }
        if redactor != nil, case .array(let items) = detail.keywords {
            detail.keywords = .array(items.map { item in
                guard case .object(var object) = item, let term = object["term"]?.stringValue else { return item }
                object["term"] = .string(clean(term))
                return .object(object)
            })
        }
        let node = detail.cluster
        let growth = ClusterPresenter.growth(node)
        var cluster: [String: Any] = [
            "id": node.id, "name": node.name, "autoName": node.autoName, "pinned": node.pinned,
            "isGroup": node.level > 0, "level": node.level, "size": Format.number(node.size),
            "share": ClusterPresenter.percent(node.share), "trend": node.trend,
            "trendTitle": ClusterPresenter.trendTitle(node.trend), "growth": growth.text, "growthKind": growth.kind,
            "last7d": Format.number(node.last7d), "last24h": Format.number(node.last24h),
            "outliers": node.outliers == 1 ? "1 outlier" : "\(Format.number(node.outliers)) outliers",
            "canSplit": node.level == 0 && node.size >= 4,
        ]
        if let custom = node.customName { cluster["customName"] = custom }
        if let feedback = ClusterPresenter.feedback(node) {
            cluster["feedback"] = ["text": feedback.text, "detail": feedback.detail, "kind": feedback.kind]
        }
        let counts = detail.series.map { Double($0.conversations) }
        var values: [String: Any] = [
            "cluster": cluster,
            "keywords": keywords(detail.keywords),
            "trendChartHtml": SVGChart.bars(
                detail.series.map { SVGChart.Point(ClusterPresenter.dayLabel($0.day), Double($0.conversations)) },
                title: "Conversations per day in this cluster, last \(detail.series.count) days", height: 180,
                labelEvery: 5, unit: "conversations"),
            "sparkHtml": SVGChart.sparkline(counts, title: "Conversations per day, last 30 days"),
            "last30": Format.number(detail.series.reduce(0) { $0 + $1.conversations }),
            "byModel": breakdown(detail.byModel),
            "byPrompt": breakdown(detail.byPromptVersion),
            "examples": detail.examples.prefix(6).map(member),
            "members": detail.members.map(member),
            "history": detail.history.map { ClusterPresenter.event($0) },
        ]
        for key in ["byModel", "byPrompt", "examples", "members", "keywords", "history"] {
            values["has" + key.prefix(1).uppercased() + key.dropFirst()] = !((values[key] as? [Any])?.isEmpty ?? true)
        }
        if let parent = detail.parent {
            values["parent"] = ["id": parent.id, "name": parent.name, "size": Format.number(parent.size)] as [String: Any]
        }
        let children = node.children.filter { page.maySeeCluster(size: $0.size) }
        if !children.isEmpty {
            values["children"] = children.map { child in
                ["id": child.id, "name": child.name, "size": Format.number(child.size),
                 "share": ClusterPresenter.percent(node.size > 0 ? Double(child.size) / Double(node.size) : 0),
                 "sharePercent": node.size > 0 ? child.size * 100 / node.size : 0, "trend": child.trend,
                 "isGroup": child.level > 0] as [String: Any]
            }
        }
        values["hasChildren"] = !children.isEmpty
        if let next = detail.nextCursor { values["nextMembersURL"] = "/clusters/\(node.id)?after=\(next)#members" }
        if paged { values["firstMembersURL"] = "/clusters/\(node.id)#members" }
        return values
    }

    /// Keywords with their weight as a share of the best one (for a bar behind each chip).
    static func keywords(_ json: JSONValue) -> [[String: Any]] {
        let list = (json.arrayValue ?? []).compactMap { item -> (String, Double)? in
            guard let term = item["term"]?.stringValue else { return nil }
            return (term, item["weight"]?.doubleValue ?? 0)
        }
        let best = list.map(\.1).max() ?? 0
        return list.prefix(12).map { term, weight in
            ["term": term, "weight": best > 0 ? Int((weight / best * 100).rounded()) : 0] as [String: Any]
        }
    }

    static func breakdown(_ rows: [ClusterQueries.Breakdown]) -> [[String: Any]] {
        rows.prefix(8).map { row in
            var values: [String: Any] = [
                "value": row.value, "count": Format.number(row.conversations), "share": ClusterPresenter.percent(row.share),
                "percent": max(0, min(100, Int((row.share * 100).rounded()))),
            ]
            let rated = row.thumbsUp + row.thumbsDown
            if rated > 0 {
                values["feedback"] = "\(Int((Double(row.thumbsUp) * 100 / Double(rated)).rounded()))% positive"
            }
            return values
        }
    }

    static func member(_ member: ClusterQueries.Member) -> [String: Any] {
        [
            "parleyID": member.parleyID, "id": member.id,
            "preview": member.preview.isEmpty ? "(no user message)" : member.preview,
            "similarity": "\(Int((max(0, member.similarity) * 100).rounded()))%", "outlier": member.isOutlier,
            "started": Format.relative(member.startedAt), "startedTitle": Format.time(member.startedAt),
            "startedISO": Format.iso(member.startedAt),
        ]
    }

    /// Clusters that can be merged into `node`: its siblings first, then the others (leaves only).
    static func mergeChoices(for node: ClusterQueries.Node, leaves: [ClusterPresenter.Leaf]) -> [[String: Any]] {
        let others = leaves.filter { $0.node.id != node.id }
        let siblings = others.filter { $0.node.parentID != nil && $0.node.parentID == node.parentID }
        let rest = others.filter { $0.node.parentID == nil || $0.node.parentID != node.parentID }
        func option(_ leaf: ClusterPresenter.Leaf) -> [String: Any] {
            ["id": leaf.node.id, "name": leaf.node.name, "size": Format.number(leaf.node.size)]
        }
        var groups: [[String: Any]] = []
        if !siblings.isEmpty { groups.append(["label": "In the same group", "options": siblings.map(option)]) }
        if !rest.isEmpty {
            groups.append(["label": siblings.isEmpty ? "Clusters" : "Other clusters",
                           "options": rest.sorted { $0.node.name < $1.node.name }.map(option)])
        }
        return groups
    }
}
