import Foundation

extension ConversationPages {
    /// The options of the intent, cluster and flag selects, with the current values selected.
    static func filterChoices(_ filter: ConversationFilter, choices: ConversationBrowser.Choices, page: Page,
                              redactor: PIIRedactor?) -> [String: Any] {
        func option(_ value: String, _ title: String, current: String) -> [String: Any] {
            ["value": value, "title": title, "selected": value == current]
        }
        var intents = [option("none", "Unrecognized", current: filter.intent)]
        intents += choices.intents.map { option(String($0.id), $0.name, current: filter.intent) }
        var clusters: [[String: Any]] = choices.clusters.filter { page.maySeeCluster(size: $0.size) }.map { cluster in
            let name = redactor?.redact(cluster.name) ?? cluster.name
            let indent = String(repeating: "\u{2003}", count: max(0, cluster.depth))
            return option(String(cluster.id), "\(indent)\(name.isEmpty ? "Cluster \(cluster.id)" : name) "
                          + "(\(Format.number(cluster.size)))", current: filter.cluster)
        }
        if !filter.cluster.isEmpty, !clusters.contains(where: { $0["selected"] as? Bool == true }) {
            clusters.insert(option(filter.cluster, "Cluster \(filter.cluster)", current: filter.cluster), at: 0)
        }
        var rules = choices.rules.map { option("rule:\($0.id)", "\($0.name) (\($0.severity))", current: filter.flag) }
        if filter.flag.hasPrefix("rule:"), !rules.contains(where: { $0["selected"] as? Bool == true }) {
            rules.insert(option(filter.flag, "Rule \(filter.flag.dropFirst(5))", current: filter.flag), at: 0)
        }
        var detectors = choices.detectors
        if filter.flag.hasPrefix("detector:"), !detectors.contains(String(filter.flag.dropFirst(9))) {
            detectors.insert(String(filter.flag.dropFirst(9)), at: 0)
        }
        let flagGroups: [[String: Any]] = [
            ["label": "Flags", "options": [option("any", "Any flag", current: filter.flag),
                                           option("open", "Open in triage", current: filter.flag)]],
            ["label": "Severity", "options": ConversationFilter.severities.map {
                option("severity:\($0)", "A \($0) flag", current: filter.flag)
            }],
            ["label": "Rule", "options": rules],
            ["label": "Detector", "options": detectors.map { option("detector:\($0)", $0, current: filter.flag) }],
        ].filter { ($0["options"] as? [[String: Any]])?.isEmpty == false }
        return [
            "intents": intents,
            "noIntentModel": !choices.hasActiveIntentModel,
            "clusters": clusters,
            "noClusters": clusters.isEmpty,
            "flagGroups": flagGroups,
        ]
    }

    /// The active filters as removable chips: a label, the value shown, and the list without that filter.
    static func activeFilters(_ filter: ConversationFilter, choices: ConversationBrowser.Choices,
                              redactor: PIIRedactor?) -> [[String: Any]] {
        let clusterName = choices.clusters.first { String($0.id) == filter.cluster }.map { redactor?.redact($0.name) ?? $0.name }
        let shown: [String: (String, String)] = [
            "q": ("Search", filter.search),
            "model": ("Model", filter.model),
            "prompt": ("Prompt", filter.promptVersion),
            "feedback": ("Feedback", ConversationFilter.feedbackChoices.first { $0.0 == filter.feedback }?.1 ?? ""),
            "from": ("From", filter.from),
            "to": ("To", filter.to),
            "intent": ("Intent", filter.intent == "none" ? "Unrecognized"
                : choices.intents.first { String($0.id) == filter.intent }?.name ?? "#\(filter.intent)"),
            "cluster": ("Cluster", clusterName ?? "#\(filter.cluster)"),
            "flag": ("Flag", flagTitle(filter.flag, choices: choices)),
            "meta": ("Metadata", filter.metadata),
        ]
        return filter.parameters.compactMap { parameter -> [String: Any]? in
            guard let (label, value) = shown[parameter.name] else { return nil }
            let rest = filter.parameters.filter { $0.name != parameter.name }
                .map { "\($0.name)=\(ConversationFilter.encode($0.value))" }.joined(separator: "&")
            return ["label": label, "value": value, "removeURL": rest.isEmpty ? "/conversations" : "/conversations?" + rest]
        }
    }

    private static func flagTitle(_ flag: String, choices: ConversationBrowser.Choices) -> String {
        switch ConversationFilter.FlagChoice(flag) {
        case .any?: "any flag"
        case .openTriage?: "open in triage"
        case .severity(let severity)?: "a \(severity) flag"
        case .rule(let id)?: choices.rules.first { $0.id == id }.map { "rule \($0.name)" } ?? "rule #\(id)"
        case .detector(let name)?: "detector \(name)"
        case nil: flag
        }
    }
}
