/// What happened to one submitted conversation.
public struct IngestOutcome: Sendable, Equatable, Encodable {
    public enum Status: String, Sendable, Encodable {
        /// Stored for the first time.
        case created
        /// The id existed and the new payload extends it (more messages, or new details): replaced.
        case updated
        /// The id existed with the same payload, or a prefix of what is stored (a stale retry): nothing done.
        case duplicate
        /// The id existed with different messages that do not extend the stored ones: rejected.
        case conflict
    }

    /// Parley's id of the stored conversation; nil only for a conflict.
    public var id: Int?
    /// The client's id.
    public var externalID: String
    public var status: Status

    enum CodingKeys: String, CodingKey {
        case id = "parley_id"
        case externalID = "id"
        case status
    }
}
