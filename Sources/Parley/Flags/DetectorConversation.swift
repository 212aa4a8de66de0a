/// A conversation as the built-in detectors see it: roles and plain texts, plus feedback.
public struct DetectorConversation: Sendable {
    /// One message: its role, its text (content parts joined), and what the detectors of errors need.
    public struct Message: Sendable {
        public var role: String
        public var text: String
        /// An assistant turn that only calls tools may have no text; that is not an empty answer.
        public var hasToolCalls: Bool
        /// `finish_reason` when the client sent one (`length` means the output was cut).
        public var finishReason: String?

        public init(role: String, text: String, hasToolCalls: Bool = false, finishReason: String? = nil) {
            self.role = role
            self.text = text
            self.hasToolCalls = hasToolCalls
            self.finishReason = finishReason
        }
    }

    public var messages: [Message]
    /// -1 (thumb down), 1 (thumb up) or nil.
    public var feedbackThumb: Int?
    /// 1–5 or nil.
    public var feedbackRating: Int?
    let texts: [ScalarText]

    public init(messages: [Message], feedbackThumb: Int? = nil, feedbackRating: Int? = nil) {
        self.messages = messages
        self.feedbackThumb = feedbackThumb
        self.feedbackRating = feedbackRating
        texts = messages.map { ScalarText($0.text) }
    }

    /// A conversation from the stored `messages` JSON (`[{role, content, tool_calls?, finish_reason?}]`).
    public init(json messages: [JSONValue], feedbackThumb: Int? = nil, feedbackRating: Int? = nil) {
        self.init(messages: messages.map { message in
            Message(role: message["role"]?.stringValue ?? "", text: ConversationInput.text(of: message),
                    hasToolCalls: !(message["tool_calls"]?.arrayValue?.isEmpty ?? true),
                    finishReason: message["finish_reason"]?.stringValue)
        }, feedbackThumb: feedbackThumb, feedbackRating: feedbackRating)
    }

    /// Indices of the messages whose role is in `roles` (every message when nil).
    func indices(roles: Set<String>?) -> [Int] {
        messages.indices.filter { roles?.contains(messages[$0].role) ?? true }
    }
}

/// One piece of evidence from a detector: what it found, why, and where.
public struct DetectorFinding: Sendable, Equatable {
    /// The detector's name (`pii`, `refusal`, `frustration`, `error_response`, …).
    public var detector: String
    /// What was found (`email`, `payment_card`, `repeated_question`, `stack_trace`, …).
    public var kind: String
    /// A sentence for people.
    public var reason: String
    /// The message, or nil for evidence about the whole conversation (feedback, no reply).
    public var messageIndex: Int?
    /// Unicode scalar offsets in that message's text, end exclusive.
    public var range: Range<Int>?
    /// The matched text with some context.
    public var excerpt: String?
    /// How much this evidence counts (1 = enough on its own).
    public var score: Double

    public init(detector: String, kind: String, reason: String, messageIndex: Int? = nil, range: Range<Int>? = nil,
                excerpt: String? = nil, score: Double = 1) {
        self.detector = detector
        self.kind = kind
        self.reason = reason
        self.messageIndex = messageIndex
        self.range = range
        self.excerpt = excerpt
        self.score = score
    }
}

/// A built-in detector that reads a conversation's text.
public protocol ConversationDetector: Sendable {
    /// The name rules use (`{"type": "detector", "name": "pii"}`).
    var name: String { get }
    /// The kinds of findings it reports (a rule may keep only some).
    var kinds: [String] { get }
    /// The roles it reads by default (a rule may name others).
    var defaultRoles: Set<String>? { get }
    /// Every finding in the messages whose role is in `roles` (nil: every message).
    func findings(in conversation: DetectorConversation, roles: Set<String>?) -> [DetectorFinding]
}

extension ConversationDetector {
    /// Whether `findings` amount to a detection: their scores add up to `threshold` (1 by default, so for most
    /// detectors any finding; the frustration detector's weak signals need company).
    public func fires(_ findings: [DetectorFinding], threshold: Double? = nil) -> Bool {
        !findings.isEmpty && findings.reduce(0) { $0 + $1.score } >= (threshold ?? 1) - 1e-9
    }

    /// The findings in the detector's default roles.
    public func findings(in conversation: DetectorConversation) -> [DetectorFinding] {
        findings(in: conversation, roles: defaultRoles)
    }
}

/// A detector that scores a conversation's embedding (the vector of its user request), run after embedding.
public protocol EmbeddingDetector: Sendable {
    /// The name rules use (`{"type": "detector", "name": "unsafe_request"}`).
    var name: String { get }
    /// The score from which a conversation counts as detected, unless the rule sets `threshold`.
    var defaultThreshold: Double { get }
    /// The embedding model whose vectors it was trained on (its score is meaningless on another model's).
    var modelID: String? { get }
    /// A score in 0…1 for one L2-normalised vector.
    func score(_ vector: [Float]) -> Double
}
