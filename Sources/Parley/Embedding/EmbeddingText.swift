/// What text of a conversation is embedded.
///
/// Production embeds the user's request (`Strategy.userRequest`): the first two user turns, joined, at most
/// 2,000 characters. Clustering and intents are about what users ask for; assistant replies are long, similar
/// in style across topics and would pull unrelated conversations together, and system prompts are the same for
/// a whole deployment. MiniLM reads 256 tokens at most, so later turns would mostly be cut anyway. A
/// conversation without a user turn falls back to its first message.
///
/// The other strategies exist so that `parley eval text` can measure the choice against them on labelled
/// conversations (figures in docs/architecture.md).
public enum EmbeddingText {
    public static let maxCharacters = 2_000

    public enum Strategy: String, CaseIterable, Sendable {
        /// The first two user turns (production).
        case userRequest = "user-request"
        /// The first user turn only.
        case firstUserTurn = "first-user-turn"
        /// Every user turn.
        case allUserTurns = "all-user-turns"
        /// The whole transcript, system prompt and assistant replies included, each line prefixed by its role.
        case wholeConversation = "whole-conversation"
        /// Each message embedded on its own (system prompt excluded) and the vectors averaged.
        case messageAverage = "message-average"
    }

    /// The text production embeds for a conversation.
    public static func of(messages: [JSONValue]) -> String {
        texts(of: messages, strategy: .userRequest)[0]
    }

    /// The texts embedded for a conversation under `strategy`: one text, except for `.messageAverage`, whose
    /// vectors are averaged by the caller.
    public static func texts(of messages: [JSONValue], strategy: Strategy) -> [String] {
        func role(_ message: JSONValue) -> String { message["role"]?.stringValue ?? "" }
        let users = messages.filter { role($0) == "user" }.map(ConversationInput.text(of:))
        var pieces: [String]
        switch strategy {
        case .userRequest: pieces = Array(users.prefix(2))
        case .firstUserTurn: pieces = Array(users.prefix(1))
        case .allUserTurns: pieces = users
        case .wholeConversation:
            pieces = messages.map { role($0) + ": " + ConversationInput.text(of: $0) }
        case .messageAverage:
            let texts = messages.filter { role($0) != "system" }.map { String(ConversationInput.text(of: $0).prefix(maxCharacters)) }
            return texts.isEmpty ? [fallback(messages)] : texts
        }
        var text = pieces.joined(separator: "\n")
        if text.isEmpty { text = fallback(messages) }
        return [String(text.prefix(maxCharacters))]
    }

    private static func fallback(_ messages: [JSONValue]) -> String {
        String((messages.first.map(ConversationInput.text(of:)) ?? "").prefix(maxCharacters))
    }
}
