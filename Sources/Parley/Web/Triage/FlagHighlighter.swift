import Foundation

/// Marks the spans of a conversation's flags in its messages' text.
///
/// Spans count Unicode scalars of the text the detectors read (`ConversationInput.text(of:)`), end exclusive
/// (migrations/0009). Overlapping spans are split at every boundary, so the marks never nest; each mark names
/// what matched and takes the class of the worst severity among the spans covering it.
enum FlagHighlighter {
    /// One span of one flag.
    struct Span: Sendable, Equatable {
        var start: Int
        var end: Int
        var severity: Severity
        /// `pii: email · Rule name`.
        var label: String
    }

    /// The spans of `flags` (the `flags` of a triage item's detail) by message index (0-based); spans without a
    /// message or without offsets (conversation-level evidence) are left out.
    static func spans(of flags: [JSONValue]) -> [Int: [Span]] {
        var byMessage: [Int: [Span]] = [:]
        for flag in flags {
            let severity = flag["severity"]?.stringValue.flatMap(Severity.init(rawValue:)) ?? .low
            let rule = flag["rule"]?.stringValue ?? ""
            for span in flag["spans"]?.arrayValue ?? [] {
                guard let index = span["message_index"]?.intValue, let start = span["start"]?.intValue,
                      let end = span["end"]?.intValue, start >= 0, end > start else { continue }
                let detector = span["detector"]?.stringValue ?? "rule"
                let kind = span["kind"]?.stringValue ?? ""
                let what = kind.isEmpty || kind == detector ? detector : "\(detector): \(kind.replacingOccurrences(of: "_", with: " "))"
                byMessage[index, default: []].append(Span(start: start, end: end, severity: severity,
                                                          label: what + (rule.isEmpty ? "" : " · " + rule)))
            }
        }
        return byMessage
    }

    /// `text` escaped, with `<mark>`s around the spans (offsets clamped to the text).
    static func highlight(_ text: String, spans: [Span]) -> HTML {
        let scalars = Array(text.unicodeScalars)
        let spans = spans.map { span in
            Span(start: min(span.start, scalars.count), end: min(span.end, scalars.count), severity: span.severity,
                 label: span.label)
        }.filter { $0.end > $0.start }
        guard !spans.isEmpty else { return HTML(text: text) }
        let boundaries = Array(Set([0, scalars.count] + spans.flatMap { [$0.start, $0.end] })).sorted()
        var output = ""
        for (lower, upper) in zip(boundaries, boundaries.dropFirst()) where upper > lower {
            var piece = String.UnicodeScalarView()
            piece.append(contentsOf: scalars[lower..<upper])
            let covering = spans.filter { $0.start <= lower && $0.end >= upper }
            guard let worst = covering.map(\.severity).max() else {
                output += HTML.escape(String(piece))
                continue
            }
            var labels: [String] = []
            for span in covering where !labels.contains(span.label) { labels.append(span.label) }
            output += "<mark class=\"flag-span severity-\(worst.rawValue)\" title=\"\(HTML.escape(labels.joined(separator: "; ")))\">"
                + HTML.escape(String(piece)) + "</mark>"
        }
        return HTML(trusted: output)
    }
}
