import Foundation
import HTTPServer

/// The triage queue's filters as the pages carry them: in the query string of `/triage` and `/triage/{id}`, and
/// as hidden fields of the forms that act on a filter (take next, bulk on every matching item).
///
/// One value per field, as the page's selects send them: `status` (a tab: `active` (the default: open and in
/// review), `open`, `in_review`, `resolved`, `dismissed` or `all`), `assignee` (`me`, `none` or an actor),
/// `severity`, `rule`, `detector`, `cluster`, `sort`, and `limit` (items per page, 1–200, else 50).
struct TriageQuery: Sendable, Equatable {
    static let tabs: [(value: String, title: String)] = [
        ("active", "Active"), ("open", "Open"), ("in_review", "In review"), ("resolved", "Resolved"),
        ("dismissed", "Dismissed"), ("all", "All"),
    ]
    static let filterFields = ["assignee", "severity", "rule", "detector", "cluster"]

    var status = "active"
    var values: [String: String] = [:]
    var sort: TriageSort = .priority
    /// Items per page when not the default.
    var limit: Int?

    init() {}

    init(_ parameters: QueryParameters) {
        if let status = parameters["status"], Self.tabs.contains(where: { $0.value == status }) { self.status = status }
        for field in Self.filterFields {
            if let value = parameters[field]?.trimmingCharacters(in: .whitespaces), !value.isEmpty { values[field] = value }
        }
        sort = parameters["sort"].flatMap(TriageSort.init(rawValue:)) ?? .priority
        if let limit = parameters.get("limit", as: Int.self), (1...200).contains(limit) { self.limit = limit }
    }

    subscript(field: String) -> String { values[field] ?? "" }

    var isFiltered: Bool { !values.isEmpty }

    /// The store's filter; `me` is the signed-in user's actor.
    /// - Throws: `WebError` 400 naming what is wrong (a rule id that is not a number, …).
    func filter(me: String) throws -> TriageFilter {
        var filter: TriageFilter
        do {
            filter = try TriageFilter(values: { field in values[field].map { [$0] } ?? [] }, me: me)
        } catch let problem as Problem {
            let reasons = problem.errors.map { "\($0.path): \($0.message)" }.joined(separator: "; ")
            throw WebError(.badRequest, title: "That filter does not work", message: reasons.isEmpty ? problem.title : reasons)
        }
        switch status {
        case "active": filter.statuses = [.open, .inReview]
        case "all": filter.statuses = []
        default: filter.statuses = TriageStatus(rawValue: status).map { [$0] } ?? []
        }
        return filter
    }

    /// The fields that differ from the defaults, in a stable order.
    var pairs: [(String, String)] {
        var pairs: [(String, String)] = []
        if status != "active" { pairs.append(("status", status)) }
        for field in Self.filterFields { if let value = values[field] { pairs.append((field, value)) } }
        if sort != .priority { pairs.append(("sort", sort.rawValue)) }
        if let limit { pairs.append(("limit", String(limit))) }
        return pairs
    }

    /// `status=open&rule=3` (empty for the defaults).
    var queryString: String {
        pairs.map { "\($0.0)=\(Self.encode($0.1))" }.joined(separator: "&")
    }

    /// `path` with this query, if any.
    func url(_ path: String) -> String { queryString.isEmpty ? path : path + "?" + queryString }

    /// The same query with one field changed (nil removes it).
    func with(_ field: String, _ value: String?) -> TriageQuery {
        var copy = self
        switch field {
        case "status": copy.status = value ?? "active"
        case "sort": copy.sort = value.flatMap(TriageSort.init(rawValue:)) ?? .priority
        default: copy.values[field] = value
        }
        return copy
    }

    /// Hidden form fields that carry the query (name, value).
    var hiddenFields: [[String: String]] { pairs.map { ["name": $0.0, "value": $0.1] } }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
