/// Replaces personal data and secrets in a text with placeholders such as `[EMAIL]` or `[CARD]`.
///
/// Use it before text leaves Parley's control (a prompt sent to an external LLM) or reaches people who should not
/// see it (viewers):
/// ```swift
/// let redactor = PIIRedactor()
/// redactor.redact("Mail jane@example.com, card 4111 1111 1111 1111")
/// // "Mail [EMAIL], card [CARD]"
/// ```
public struct PIIRedactor: Sendable {
    /// What was replaced, with offsets in the original text.
    public struct Redaction: Sendable, Equatable {
        /// The text with every match replaced by its placeholder.
        public var text: String
        /// The matches, in order; their ranges are Unicode scalar offsets in the original text.
        public var matches: [PIIMatch]
    }

    public let detector: PIIDetector
    private let placeholders: [PIIKind: String]

    /// - Parameters:
    ///   - kinds: what to redact (everything by default).
    ///   - placeholders: replacements by kind, instead of `PIIKind.placeholder`.
    public init(kinds: Set<PIIKind> = Set(PIIKind.allCases), placeholders: [PIIKind: String] = [:]) {
        detector = PIIDetector(kinds: kinds)
        self.placeholders = placeholders
    }

    /// `text` with every match replaced by its placeholder.
    public func redact(_ text: String) -> String {
        redaction(of: text).text
    }

    /// The redacted text and what was replaced.
    public func redaction(of text: String) -> Redaction {
        let scalars = ScalarText(text)
        let matches = detector.matches(in: scalars)
        guard !matches.isEmpty else { return Redaction(text: text, matches: []) }
        var output = String.UnicodeScalarView()
        var position = 0
        for match in matches {
            output.append(contentsOf: scalars.scalars[position..<match.range.lowerBound])
            output.append(contentsOf: (placeholders[match.kind] ?? match.kind.placeholder).unicodeScalars)
            position = match.range.upperBound
        }
        output.append(contentsOf: scalars.scalars[position...])
        return Redaction(text: String(output), matches: matches)
    }
}
