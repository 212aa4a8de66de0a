import Foundation
import HTTPServer

extension ReplayStore.Selection {
    /// Reads a selection from form-style fields, as the dashboard's forms post them and the API's JSON maps to:
    /// `name`, `description`, `cluster` (id), the conversation filters `q`, `model`, `prompt`, `feedback`, `from`,
    /// `to` (days, `yyyy-mm-dd`), `limit` (1…10,000) and `sample` (`1`/`true`/`on` for a random sample).
    /// - Returns: the selection, or the invalid fields.
    static func parse(_ fields: QueryParameters) -> Result<Self, Problem> {
        var errors: [Problem.FieldError] = []
        var selection = Self()
        selection.name = (fields["name"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if selection.name.unicodeScalars.count > 200 { errors.append(.init(path: "name", message: "at most 200 characters")) }
        selection.description = (fields["description"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if selection.description.count > 2_000 {
            errors.append(.init(path: "description", message: "at most 2,000 characters"))
        }
        let cluster = (fields["cluster"] ?? "").trimmingCharacters(in: .whitespaces)
        if !cluster.isEmpty {
            if let id = Int(cluster), id > 0 { selection.clusterID = id } else {
                errors.append(.init(path: "cluster", message: "must be a cluster id"))
            }
        }
        selection.filter = ConversationFilter(query: fields)
        for (field, parsed) in [("from", selection.filter.from), ("to", selection.filter.to)] {
            let given = fields[field] ?? ""
            if !given.isEmpty && parsed.isEmpty { errors.append(.init(path: field, message: "must be a day as yyyy-mm-dd")) }
        }
        let limit = (fields["limit"] ?? "").trimmingCharacters(in: .whitespaces)
        if !limit.isEmpty {
            if let n = Int(limit), (1...ReplayStore.maximumSize).contains(n) { selection.limit = n } else {
                errors.append(.init(path: "limit", message: "must be a whole number from 1 to 10,000"))
            }
        }
        selection.sample = ["1", "true", "on", "yes"].contains((fields["sample"] ?? "").lowercased())
        guard errors.isEmpty else { return .failure(Problem.invalidFields(errors, title: "Invalid replay set")) }
        return .success(selection)
    }

    /// The form-style fields of a JSON request: scalars as text, `filter` members as fields of their own.
    static func fields(of object: [String: JSONValue]) -> Result<QueryParameters, Problem> {
        var pairs: [(String, String)] = []
        var errors: [Problem.FieldError] = []
        func add(_ name: String, _ value: JSONValue, path: String) {
            switch value {
            case .null: break
            case .string(let text): pairs.append((name, text))
            case .number(let text): pairs.append((name, text))
            case .bool(let flag): pairs.append((name, flag ? "true" : "false"))
            default: errors.append(.init(path: path, message: "must be text, a number or a boolean"))
            }
        }
        let aliases = ["cluster_id": "cluster", "prompt_version": "prompt", "search": "q"]
        for (key, value) in object {
            if key == "filter" {
                guard let filter = value.objectValue else {
                    errors.append(.init(path: "filter", message: "must be an object of conversation filters"))
                    continue
                }
                for (name, member) in filter { add(aliases[name] ?? name, member, path: "filter.\(name)") }
            } else {
                add(aliases[key] ?? key, value, path: key)
            }
        }
        guard errors.isEmpty else { return .failure(Problem.invalidFields(errors, title: "Invalid replay set")) }
        let encoded = pairs.map { ConversationFilter.encode($0.0) + "=" + ConversationFilter.encode($0.1) }
        return .success(QueryParameters(encoded.joined(separator: "&")))
    }
}
