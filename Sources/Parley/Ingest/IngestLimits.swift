/// Limits on what one conversation may contain; every one is configurable (see README, "Ingestion").
public struct IngestLimits: Sendable {
    /// Conversations in one `POST /api/v1/conversations` request (`PARLEY_MAX_BATCH`).
    public var maxConversationsPerRequest = 1_000
    /// Messages in one conversation (`PARLEY_MAX_MESSAGES`).
    public var maxMessages = 1_000
    /// UTF-8 bytes of one message's content (`PARLEY_MAX_MESSAGE_BYTES`).
    public var maxMessageBytes = 256 * 1024
    /// UTF-8 bytes of the metadata object once serialised.
    public var maxMetadataBytes = 64 * 1024
    /// Length of ids, model names, prompt versions, user and session ids.
    public var maxIdentifierLength = 200
    /// Tags per conversation, and characters per tag.
    public var maxTags = 50
    public var maxTagLength = 100
    /// Characters of a feedback comment.
    public var maxCommentLength = 10_000

    public init() {}
}
