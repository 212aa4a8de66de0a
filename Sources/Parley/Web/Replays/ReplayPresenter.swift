import Foundation

/// Template values of the replays pages: sets, sources, win rates and their interval chart.
enum ReplayPresenter {
    /// `62%`.
    static func percent(_ value: Double?) -> String {
        value.map { "\(Int(($0 * 100).rounded()))%" } ?? "–"
    }

    /// `48–74%`.
    static func interval(_ rate: WinRate) -> String {
        guard let low = rate.low, let high = rate.high else { return "–" }
        return "\(Int((low * 100).rounded()))–\(Int((high * 100).rounded()))%"
    }

    /// How the set's conversations were chosen, in words.
    static func source(_ source: JSONValue) -> String {
        var parts: [String] = []
        if let name = source["cluster"]?["name"]?.stringValue { parts.append("cluster “\(name)”") }
        let filter = source["filter"]
        if let model = filter?["model"]?.stringValue { parts.append("model \(model)") }
        if let prompt = filter?["prompt"]?.stringValue { parts.append("prompt \(prompt)") }
        if let search = filter?["q"]?.stringValue { parts.append("search “\(search)”") }
        if let feedback = filter?["feedback"]?.stringValue {
            parts.append(ConversationFilter.feedbackChoices.first { $0.0 == feedback }?.1.lowercased() ?? feedback)
        }
        switch (filter?["from"]?.stringValue, filter?["to"]?.stringValue) {
        case let (from?, to?): parts.append("\(from) to \(to)")
        case let (from?, nil): parts.append("from \(from)")
        case let (nil, to?): parts.append("until \(to)")
        default: break
        }
        let joined = parts.joined(separator: " · ")
        let what = joined.isEmpty ? "All conversations" : joined.prefix(1).uppercased() + joined.dropFirst()
        let matched = source["matched"]?.intValue ?? 0
        let limit = source["limit"]?.intValue ?? 0
        let how = source["sample"]?.boolValue == true ? "random sample" : "newest"
        return matched > limit ? "\(what) · \(how) \(Format.number(limit)) of \(Format.number(matched))" : what
    }

    /// A row of the sets table.
    static func row(_ set: ReplayStore.SetSummary, rates: [WinRate]) -> [String: Any] {
        let best = leader(rates)
        return ConversationPages.present([
            "id": set.id, "name": set.name, "source": source(set.source), "size": Format.number(set.size),
            "labels": set.labels.isEmpty ? nil : set.labels.joined(separator: ", "),
            "labelCount": set.labels.count, "variants": Format.number(set.variants), "verdicts": Format.number(set.verdicts),
            "createdBy": set.createdBy, "created": Format.relative(set.createdAt), "createdTitle": Format.time(set.createdAt),
            "createdISO": Format.iso(set.createdAt),
            "best": best.map { ["label": $0.label, "rate": percent($0.rate), "interval": interval($0),
                                "kind": kind($0)] as [String: Any] },
        ])
    }

    /// The label with the most decided comparisons (the best-measured one), if any was decided.
    static func leader(_ rates: [WinRate]) -> WinRate? {
        rates.filter { $0.rate != nil }.max { ($0.wins + $0.losses, $1.label) < ($1.wins + $1.losses, $0.label) }
    }

    /// `better`, `worse` or `unclear`: whether the interval lies above, below or around one half.
    static func kind(_ rate: WinRate) -> String {
        guard let low = rate.low, let high = rate.high else { return "unclear" }
        return low > 0.5 ? "better" : high < 0.5 ? "worse" : "unclear"
    }

    /// Rows of the win rates table.
    static func rateRows(_ rates: [WinRate]) -> [[String: Any]] {
        rates.map { rate in
            ConversationPages.present([
                "label": rate.label, "variants": Format.number(rate.variants), "wins": Format.number(rate.wins),
                "losses": Format.number(rate.losses), "ties": Format.number(rate.ties),
                "compared": Format.number(rate.compared), "rate": percent(rate.rate), "interval": interval(rate),
                "kind": kind(rate),
                "verdict": rate.rate == nil ? "no verdicts yet" : kind(rate) == "better" ? "preferred to the originals"
                    : kind(rate) == "worse" ? "originals preferred" : "no clear difference yet",
            ])
        }
    }

    /// Horizontal bars of each label's 95 % interval on a 0–100 % axis, a dot at the rate and a line at 50 %.
    static func intervalChart(_ rates: [WinRate], width: Int = 1040) -> HTML {
        let shown = rates.filter { $0.rate != nil }
        let left = 200.0, right = 150.0, top = 24.0, row = 34.0
        let height = top + row * Double(max(shown.count, 1)) + 8
        let plot = Double(width) - left - right
        func x(_ share: Double) -> String { String(format: "%.1f", left + plot * share) }
        let summary = "Win rate against the originals with 95% intervals: " + shown.map {
            "\($0.label) \(percent($0.rate)) (\(interval($0)))"
        }.joined(separator: "; ")
        var svg = "<svg class=\"chart replay-ci-chart\" role=\"img\" viewBox=\"0 0 \(width) \(Int(height))\" "
            + "aria-label=\"\(HTML.escape(summary))\"><title>\(HTML.escape(summary))</title>"
        for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
            svg += "<line class=\"chart-grid\(tick == 0.5 ? " replay-even" : "")\" x1=\"\(x(tick))\" x2=\"\(x(tick))\" "
                + "y1=\"\(Int(top - 6))\" y2=\"\(Int(height - 4))\"/>"
            svg += "<text class=\"chart-axis\" x=\"\(x(tick))\" y=\"\(Int(top - 10))\" text-anchor=\"middle\">"
                + "\(Int(tick * 100))%</text>"
        }
        for (index, rate) in shown.enumerated() {
            let y = top + row * Double(index) + row / 2
            let tip = HTML.escape("\(rate.label): \(percent(rate.rate)) won, 95% interval \(interval(rate)), "
                + "\(rate.wins) wins, \(rate.losses) losses, \(rate.ties) ties")
            let name = rate.label.count > 24 ? rate.label.prefix(23) + "…" : Substring(rate.label)
            svg += "<g class=\"replay-ci replay-\(kind(rate))\"><title>\(tip)</title>"
            svg += "<text class=\"replay-ci-label\" x=\"\(Int(left - 12))\" y=\"\(String(format: "%.1f", y + 4))\" "
                + "text-anchor=\"end\">\(HTML.escape(name))</text>"
            svg += "<rect class=\"replay-ci-bar\" x=\"\(x(rate.low ?? 0))\" y=\"\(String(format: "%.1f", y - 6))\" "
                + "width=\"\(String(format: "%.1f", max(2, plot * ((rate.high ?? 0) - (rate.low ?? 0)))))\" height=\"12\" rx=\"6\"/>"
            svg += "<circle class=\"replay-ci-dot\" cx=\"\(x(rate.rate ?? 0))\" cy=\"\(String(format: "%.1f", y))\" r=\"6\"/>"
            svg += "<text class=\"replay-ci-value\" x=\"\(Int(Double(width) - right + 14))\" y=\"\(String(format: "%.1f", y + 4))\">"
                + "\(percent(rate.rate)) <tspan class=\"replay-ci-range\">\(interval(rate))</tspan></text></g>"
        }
        return HTML(trusted: svg + "</svg>")
    }

    /// The last user message of an input, cut for a table cell.
    static func preview(_ input: [JSONValue], length: Int = 160) -> String {
        let text = input.last { $0["role"]?.stringValue == "user" }.map(ConversationInput.text(of:)) ?? ""
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count > length ? String(flat.prefix(length - 1)) + "…" : flat
    }

    /// Messages of an answer as the transcript template shows them.
    static func answer(_ messages: [JSONValue]) -> [[String: Any]] {
        Transcript.messages(.array(messages))
    }
}
