/// What text of a conversation is embedded.
///
/// The user's request: the first two user turns, joined, at most 2,000 characters. Clustering and intents are
/// about what users ask for; assistant replies are long, similar in style across topics and would pull
/// unrelated conversations together, and system prompts are the same for a whole deployment. MiniLM reads
/// 256 tokens at most, so later turns would mostly be cut anyway. A conversation without a user turn falls
/// back to its first message.
public enum EmbeddingText {
    public static let maxCharacters = 2_000

    public static func of(messages: [JSONValue]) -> String {
        let userTurns = messages.filter { $0["role"]?.stringValue == "user" }.prefix(2).map(ConversationInput.text(of:))
        var text = userTurns.joined(separator: "\n")
        if text.isEmpty, let first = messages.first { text = ConversationInput.text(of: first) }
        return String(text.prefix(maxCharacters))
    }
}
