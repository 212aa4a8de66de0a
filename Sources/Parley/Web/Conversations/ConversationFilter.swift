import Foundation
import HTTPServer
import Postgres

/// The filters of the conversation list, read from and written back to the query string.
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

    static let feedbackChoices = [("", "Any feedback"), ("up", "Thumbs up"), ("down", "Thumbs down"),
                                  ("rated", "Rated"), ("comment", "With a comment")]

    init() {}

    init(query: QueryParameters) {
        search = String((query["q"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).prefix(200))
        model = String((query["model"] ?? "").prefix(200))
        promptVersion = String((query["prompt"] ?? "").prefix(200))
        let feedback = query["feedback"] ?? ""
        self.feedback = Self.feedbackChoices.contains { $0.0 == feedback } ? feedback : ""
        from = Self.day(query["from"]) != nil ? query["from"] ?? "" : ""
        to = Self.day(query["to"]) != nil ? query["to"] ?? "" : ""
    }

    var isEmpty: Bool { self == ConversationFilter() }

    /// The query string of these filters (without a cursor), `&`-joined and encoded.
    var queryString: String {
        [("q", search), ("model", model), ("prompt", promptVersion), ("feedback", feedback), ("from", from), ("to", to)]
            .filter { !$0.1.isEmpty }
            .map { "\($0.0)=\(Self.encode($0.1))" }
            .joined(separator: "&")
    }

    /// The SQL conditions on `c` (a `conversations` row) for `projectID`.
    func conditions(projectID: Int) -> PostgresQuery {
        var sql: PostgresQuery = "c.project_id = \(projectID)"
        if !search.isEmpty {
            sql = """
                \(sql) AND c.id IN (SELECT s.conversation_id FROM conversation_search s
                                    WHERE s.project_id = \(projectID)
                                      AND s.search @@ websearch_to_tsquery('english', \(search)))
                """
        }
        if !model.isEmpty { sql = "\(sql) AND c.model = \(model)" }
        if !promptVersion.isEmpty { sql = "\(sql) AND c.prompt_version = \(promptVersion)" }
        switch feedback {
        case "up": sql = "\(sql) AND c.feedback_thumb = 1"
        case "down": sql = "\(sql) AND c.feedback_thumb = -1"
        case "rated": sql = "\(sql) AND (c.feedback_thumb IS NOT NULL OR c.feedback_rating IS NOT NULL)"
        case "comment": sql = "\(sql) AND c.feedback_comment IS NOT NULL AND c.feedback_comment <> ''"
        default: break
        }
        if let from = Self.day(from) { sql = "\(sql) AND c.started_at >= \(from)" }
        if let to = Self.day(to) { sql = "\(sql) AND c.started_at < \(to.addingTimeInterval(86_400))" }
        return sql
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

/// A position in the list: the start time (microseconds since 1970) and id of a row, as `micros.id`.
struct ConversationCursor: Sendable, Equatable {
    var micros: Int
    var id: Int

    init(micros: Int, id: Int) {
        self.micros = micros
        self.id = id
    }

    init?(_ text: String?) {
        guard let text else { return nil }
        let parts = text.split(separator: ".")
        guard parts.count == 2, let micros = Int(parts[0]), let id = Int(parts[1]), id > 0 else { return nil }
        self.init(micros: micros, id: id)
    }

    var text: String { "\(micros).\(id)" }

    /// The cursor's time as a SQL expression (exact to the microsecond, unlike a float of seconds).
    var timestamp: PostgresQuery { "(timestamptz 'epoch' + \(micros) * interval '1 microsecond')" }
}
