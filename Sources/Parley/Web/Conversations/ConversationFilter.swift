import Foundation
import HTTPServer
import Postgres

/// The filters of the conversation list, read from and written back to the query string. The dashboard's
/// `/conversations` and the API's `GET /api/v1/conversations` share it (same parameter names, same SQL).
///
/// Parameters: `q` (full-text search), `model`, `prompt`, `feedback`, `from`/`to` (days, UTC, inclusive),
/// `intent` (an intent id, or `none` for unrecognized), `cluster` (a cluster or group id), `flag` (`any`, `open`,
/// `severity:<low|medium|high|critical>`, `rule:<id>`, `detector:<name>`) and `meta` (`key=value`).
struct ConversationFilter: Sendable, Equatable {
    /// Full-text search (web search syntax: words, "phrases", -excluded, or).
    var search = ""
    var model = ""
    var promptVersion = ""
    /// `up`, `down`, `rated` (any thumb or rating) or `comment`; empty for all.
    var feedback = ""
    /// First and last day (UTC, inclusive), as typed in `<input type=date>`.
    var from = ""
    var to = ""
    /// The predicted intent (active model): an intent id, or `none` for unrecognized; empty for all.
    var intent = ""
    /// A cluster id; a group (level 1 or 2) stands for every cluster below it.
    var cluster = ""
    /// `any`, `open` (an open or in-review triage item), `severity:<s>`, `rule:<id>`, `detector:<name>`.
    var flag = ""
    /// `key=value` on the metadata; a dotted key also reaches into nested objects (`customer.tier=gold`).
    var metadata = ""

    static let feedbackChoices = [("", "Any feedback"), ("up", "Thumbs up"), ("down", "Thumbs down"),
                                  ("rated", "Rated"), ("comment", "With a comment")]
    static let severities = ["critical", "high", "medium", "low"]

    init() {}

    /// The valid filters of `query`; invalid values are left out (the page shows the list unfiltered by them).
    init(query: QueryParameters) {
        self = Self.parse(query).filter
    }

    /// The filters of `query` and a field error for each invalid value (the API answers those with 400).
    static func parse(_ query: QueryParameters) -> (filter: ConversationFilter, errors: [Problem.FieldError]) {
        var filter = ConversationFilter()
        var errors: [Problem.FieldError] = []
        func text(_ name: String) -> String { (query[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        func check(_ name: String, _ value: String, _ valid: Bool, _ message: String) -> String {
            if value.isEmpty || valid { return valid ? value : "" }
            errors.append(.init(path: name, message: message))
            return ""
        }
        let long = "must be at most 200 characters"
        filter.search = check("q", text("q"), text("q").count <= 200, long)
        filter.model = check("model", text("model"), text("model").count <= 200, long)
        filter.promptVersion = check("prompt", text("prompt"), text("prompt").count <= 200, long)
        let feedback = text("feedback")
        filter.feedback = check("feedback", feedback, feedbackChoices.contains { $0.0 == feedback },
                                "must be up, down, rated or comment")
        filter.from = check("from", text("from"), day(text("from")) != nil, "must be a day, yyyy-mm-dd")
        filter.to = check("to", text("to"), day(text("to")) != nil, "must be a day, yyyy-mm-dd")
        let intent = text("intent")
        filter.intent = check("intent", intent, intent == "none" || id(intent) != nil,
                              "must be an intent id, or none for unrecognized conversations")
        filter.cluster = check("cluster", text("cluster"), id(text("cluster")) != nil, "must be a cluster id")
        filter.flag = check("flag", text("flag"), FlagChoice(text("flag")) != nil,
                            "must be any, open, severity:<low|medium|high|critical>, rule:<id> or detector:<name>")
        let meta = query["meta"] ?? ""
        filter.metadata = check("meta", meta, MetadataMatch(meta) != nil,
                                "must be key=value with a key of 1 to 200 characters and a value of at most 1000")
        return (filter, errors)
    }

    var isEmpty: Bool { self == ConversationFilter() }

    /// The filters as (query parameter, value) pairs, empty ones left out.
    var parameters: [(name: String, value: String)] {
        [("q", search), ("model", model), ("prompt", promptVersion), ("feedback", feedback), ("from", from),
         ("to", to), ("intent", intent), ("cluster", cluster), ("flag", flag), ("meta", metadata)]
            .filter { !$0.1.isEmpty }
    }

    /// The query string of these filters (without a cursor), `&`-joined and encoded.
    var queryString: String {
        parameters.map { "\($0.name)=\(Self.encode($0.value))" }.joined(separator: "&")
    }

    /// A positive id written in decimal.
    static func id(_ text: String) -> Int? {
        guard let value = Int(text), value > 0, text.utf8.count <= 18 else { return nil }
        return value
    }

    /// Midnight UTC of a `yyyy-mm-dd` day.
    static func day(_ text: String?) -> Date? {
        guard let text, text.utf8.count == 10 else { return nil }
        let parts = text.split(separator: "-")
        guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1970...9999).contains(year), (1...12).contains(month), (1...31).contains(day) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? .current
        let components = DateComponents(year: year, month: month, day: day)
        guard let date = calendar.date(from: components),
              calendar.component(.day, from: date) == day else { return nil }
        return date
    }

    /// Percent-encodes a query value (everything but unreserved characters).
    static func encode(_ value: String) -> String {
        Dashboard.percentEncode(value).replacingOccurrences(of: "/", with: "%2F")
    }
}

extension ConversationFilter {
    /// A parsed `flag` value.
    enum FlagChoice: Sendable, Equatable {
        case any
        case openTriage
        case severity(String)
        case rule(Int)
        case detector(String)

        init?(_ text: String) {
            let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
            switch (parts.first ?? "", parts.count) {
            case ("any", 1): self = .any
            case ("open", 1): self = .openTriage
            case ("severity", 2) where ConversationFilter.severities.contains(parts[1]): self = .severity(parts[1])
            case ("rule", 2):
                guard let id = ConversationFilter.id(parts[1]) else { return nil }
                self = .rule(id)
            case ("detector", 2) where (1...100).contains(parts[1].count): self = .detector(parts[1])
            default: return nil
            }
        }
    }

    /// A parsed `meta` value: `key=value`, matched by JSON containment so the metadata's GIN index serves it.
    struct MetadataMatch: Sendable, Equatable {
        var key: String
        var value: String

        init?(_ text: String) {
            guard let equals = text.firstIndex(of: "=") else { return nil }
            key = text[..<equals].trimmingCharacters(in: .whitespaces)
            value = String(text[text.index(after: equals)...])
            guard (1...200).contains(key.count), value.count <= 1_000 else { return nil }
        }

        /// The key and value to look up in conversation_metadata_values (migration 0017), when that table holds
        /// every conversation this match can find: a string or boolean value (not a number or null) under a key
        /// with at most one dot (the table keeps the top level and one level down). Values are hashed as their
        /// text, so `true` finds the string and the boolean.
        var indexed: (key: String, value: String)? {
            guard key.split(separator: ".", omittingEmptySubsequences: false).count <= 2 else { return nil }
            switch try? JSONParser.parse(Array(value.utf8)) {
            case .number(_)?, .null?: return nil
            default: return (key, value)
            }
        }

        /// The JSON documents any of which the metadata must contain: the value as a string, and also as a number,
        /// boolean or null when it reads as one; the key at the top level, and as a path when it has dots.
        var documents: [JSONValue] {
            var values: [JSONValue] = [.string(value)]
            if let scalar = try? JSONParser.parse(Array(value.utf8)) {
                switch scalar {
                case .number, .bool, .null: values.append(scalar)
                default: break
                }
            }
            var paths = [[key]]
            let segments = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            if segments.count > 1, !segments.contains(where: \.isEmpty) { paths.append(segments) }
            return paths.flatMap { path in
                values.map { value in path.reversed().reduce(value) { inner, name in .object([name: inner]) } }
            }
        }
    }
}
