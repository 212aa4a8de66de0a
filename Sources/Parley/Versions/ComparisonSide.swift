import Foundation
import HTTPServer

/// One side of a comparison: any conversation filter (a model, a prompt version, a time range, or the filters of
/// the conversation list), written in a query string with a prefix: `a.model=gpt-4o&b.model=gpt-4o-mini`,
/// `a.prompt=support-v1&a.to=2026-11-08&b.prompt=support-v2`.
///
/// The parameter names after the prefix are those of `ConversationFilter` (`model`, `prompt`, `from`, `to`, `q`,
/// `feedback`, `intent`, `cluster`, `flag`, `meta`).
struct ComparisonSide: Sendable, Equatable {
    var filter: ConversationFilter

    /// The prefixes of the two sides.
    static let names = ["a", "b"]

    /// The side written with `prefix` in `query`, with a field error (named `prefix.parameter`) for each bad value.
    static func parse(_ query: QueryParameters, prefix: String) -> (side: ComparisonSide, errors: [Problem.FieldError]) {
        let own = query.pairs.compactMap { pair -> (name: String, value: String)? in
            guard pair.name.hasPrefix(prefix + ".") else { return nil }
            return (String(pair.name.dropFirst(prefix.count + 1)), pair.value)
        }
        let encoded = own.map { "\(ConversationFilter.encode($0.name))=\(ConversationFilter.encode($0.value))" }
            .joined(separator: "&")
        let parsed = ConversationFilter.parse(QueryParameters(encoded))
        let errors = parsed.errors.map { Problem.FieldError(path: "\(prefix).\($0.path)", message: $0.message) }
        return (ComparisonSide(filter: parsed.filter), errors)
    }

    /// A short description: `model gpt-4o · prompt support-v2 · Nov 1 – Nov 8`, or "all conversations".
    var label: String {
        var parts: [String] = []
        if !filter.model.isEmpty { parts.append(filter.model) }
        if !filter.promptVersion.isEmpty { parts.append("prompt \(filter.promptVersion)") }
        switch (ConversationFilter.day(filter.from), ConversationFilter.day(filter.to)) {
        case (let from?, let to?): parts.append("\(Format.day(from)) – \(Format.day(to))")
        case (let from?, nil): parts.append("from \(Format.day(from))")
        case (nil, let to?): parts.append("until \(Format.day(to))")
        case (nil, nil): break
        }
        if !filter.search.isEmpty { parts.append("“\(filter.search)”") }
        if !filter.feedback.isEmpty { parts.append("feedback \(filter.feedback)") }
        if !filter.intent.isEmpty { parts.append(filter.intent == "none" ? "unrecognized intent" : "intent #\(filter.intent)") }
        if !filter.cluster.isEmpty { parts.append("cluster #\(filter.cluster)") }
        if !filter.flag.isEmpty { parts.append("flag \(filter.flag)") }
        if !filter.metadata.isEmpty { parts.append(filter.metadata) }
        return parts.isEmpty ? "all conversations" : parts.joined(separator: " · ")
    }

    /// The side's parameters with `prefix`, for links (`a.model=…&a.from=…`).
    func queryString(prefix: String) -> String {
        filter.parameters.map { "\(prefix).\($0.name)=\(ConversationFilter.encode($0.value))" }.joined(separator: "&")
    }

    /// The filter as JSON (the names of the query parameters).
    var json: JSONValue {
        .object(Dictionary(filter.parameters.map { ($0.name, JSONValue.string($0.value)) }, uniquingKeysWith: { a, _ in a }))
    }
}
