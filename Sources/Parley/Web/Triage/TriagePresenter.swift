import Foundation

/// Words, badges and times of the triage pages, shared by the queue, the item and the conversation page.
enum TriagePresenter {
    static func statusTitle(_ status: String) -> String {
        switch status {
        case "open": "Open"
        case "in_review": "In review"
        case "resolved": "Resolved"
        case "dismissed": "Dismissed"
        default: status
        }
    }

    static func severityTitle(_ severity: String) -> String { severity.prefix(1).uppercased() + severity.dropFirst() }

    /// A person's name for an actor string: a known name, "Unassigned" for none, or the actor itself.
    static func actorName(_ actor: String?, names: [String: String]) -> String {
        guard let actor, !actor.isEmpty else { return "Unassigned" }
        return names[actor] ?? actor
    }

    /// An actor's name and initial for an avatar.
    static func person(_ actor: String?, names: [String: String], me: String) -> [String: Any] {
        let name = actorName(actor, names: names)
        var values: [String: Any] = ["name": name, "initial": String(name.prefix(1)).uppercased()]
        if let actor, !actor.isEmpty { values["assigned"] = true }
        if actor == me { values["isMe"] = true }
        return values
    }

    /// A time from PostgreSQL's JSON (`2026-11-23T09:10:11.123456+00:00`), to the second.
    static func date(_ value: JSONValue?) -> Date? {
        guard let text = value?.stringValue, text.count >= 19 else { return nil }
        let scalars = Array(text.unicodeScalars)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= scalars.count else { return nil }
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[range])
            return Int(String(view))
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
              let minute = number(14..<16), let second = number(17..<19) else { return nil }
        var offset = 0
        if let sign = scalars[19...].lastIndex(where: { $0 == "+" || $0 == "-" }),
           let hours = number((sign + 1)..<(sign + 3)) {
            let minutes = sign + 6 <= scalars.count ? number((sign + 4)..<(sign + 6)) ?? 0 : 0
            offset = (hours * 3600 + minutes * 60) * (scalars[sign] == "-" ? -1 : 1)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        return calendar.date(from: components).map { $0.addingTimeInterval(TimeInterval(-offset)) }
    }

    /// `{"when": "3 min ago", "title": "Nov 3, 2026 14:05 UTC", "iso": …}` for a JSON time.
    static func time(_ value: JSONValue?) -> [String: String]? {
        guard let date = date(value) else { return nil }
        return ["when": Format.relative(date), "title": Format.time(date), "iso": Format.iso(date)]
    }

    /// The flags of an item as rows: severity, rule, reason.
    static func flags(_ value: JSONValue?) -> [[String: Any]] {
        (value?.arrayValue ?? []).map { flag in
            let severity = flag["severity"]?.stringValue ?? "low"
            return ["severity": severity, "severityTitle": severityTitle(severity),
                    "rule": flag["rule"]?.stringValue ?? "", "ruleID": flag["rule_id"]?.intValue ?? 0,
                    "reason": reason(flag), "detectors": (flag["detectors"]?.arrayValue ?? []).compactMap(\.stringValue)]
        }
    }

    /// A flag's reason without the rule name it starts with (the page shows the rule beside it).
    static func reason(_ flag: JSONValue) -> String {
        let reason = flag["reason"]?.stringValue ?? ""
        let rule = flag["rule"]?.stringValue ?? ""
        if !rule.isEmpty, reason.hasPrefix(rule + ": ") { return String(reason.dropFirst(rule.count + 2)) }
        return reason
    }

    /// Audit actions as sentences.
    static func action(_ action: String) -> String {
        switch action {
        case "triage.create": "flagged and queued"
        case "triage.reprioritize": "priority changed by its flags"
        case "triage.take": "took it for review"
        case "triage.status": "changed the status"
        case "triage.update": "edited it"
        case "triage.bulk": "changed it in a bulk action"
        case "triage.comment": "commented"
        case "triage.rate": "rated it"
        case "triage.priority": "set the priority"
        default: action.replacingOccurrences(of: "triage.", with: "").replacingOccurrences(of: "_", with: " ")
        }
    }
}
