import Foundation

/// The PII detector as rules use it (`{"type": "detector", "name": "pii", "kinds": ["email", "secret"]}`):
/// one finding per match, in every role by default (users paste their card numbers, assistants echo them).
public struct PIIConversationDetector: ConversationDetector {
    public let name = "pii"
    public let kinds = PIIKind.allCases.map(\.rawValue)
    public let defaultRoles: Set<String>? = nil
    public let detector: PIIDetector

    public init(detector: PIIDetector = PIIDetector()) {
        self.detector = detector
    }

    public func findings(in conversation: DetectorConversation, roles: Set<String>?) -> [DetectorFinding] {
        var found: [DetectorFinding] = []
        for index in conversation.indices(roles: roles) {
            let text = conversation.texts[index]
            for match in detector.matches(in: text) {
                found.append(DetectorFinding(
                    detector: name, kind: match.kind.rawValue,
                    reason: "\(match.kind.rawValue.replacingOccurrences(of: "_", with: " ")) (\(match.detail)) in a "
                        + "\(conversation.messages[index].role) message",
                    messageIndex: index, range: match.range,
                    // The excerpt shows where, not what: the matched value itself is redacted.
                    excerpt: Self.redactedExcerpt(text, match)))
            }
        }
        return found
    }

    /// Context around the match with the match replaced by its placeholder, so flags do not copy secrets around.
    static func redactedExcerpt(_ text: ScalarText, _ match: PIIMatch, context: Int = 40) -> String {
        let lower = max(0, match.range.lowerBound - context)
        let upper = min(text.count, match.range.upperBound + context)
        let before = text.string(lower..<match.range.lowerBound)
        let after = text.string(match.range.upperBound..<upper)
        let line = (before + match.kind.placeholder + after).map { $0 == "\n" || $0 == "\r" || $0 == "\t" ? " " : $0 }
        return (lower > 0 ? "…" : "") + String(line) + (upper < text.count ? "…" : "")
    }
}
