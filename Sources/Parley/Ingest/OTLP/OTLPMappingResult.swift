/// What `OTLPTraceMapper` made of one export request: conversations in the API shape, and what it skipped.
public struct OTLPMappingResult: Sendable, Equatable {
    /// Conversation objects in the API shape (`{"id", "messages", …}`), to be validated and stored.
    public var conversations: [JSONValue]
    /// One entry per thing skipped or changed, naming the span it came from.
    public var warnings: [Warning]

    /// Creates a result.
    public init(conversations: [JSONValue] = [], warnings: [Warning] = []) {
        self.conversations = conversations
        self.warnings = warnings
    }

    /// Something in a span that was skipped or changed on the way to a conversation.
    public struct Warning: Sendable, Equatable, CustomStringConvertible {
        /// The span's trace id (lower-case hex), empty when the span had none.
        public var traceID: String
        /// The span's id (lower-case hex), empty when the span had none.
        public var spanID: String
        /// What happened, in words.
        public var message: String

        /// Creates a warning.
        public init(traceID: String, spanID: String, message: String) {
            self.traceID = traceID
            self.spanID = spanID
            self.message = message
        }

        public var description: String { "trace \(traceID) span \(spanID): \(message)" }
    }
}
