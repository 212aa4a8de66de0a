/// When clustering runs by itself, and what viewers may see.
///
/// A run starts on demand (`POST /api/v1/clusters/runs`, the Clusters page) and, checked after each embedding
/// batch, when a project has no run yet and `minimumConversations` are embedded, or when the conversations
/// embedded since the last run reach `newShare` of it (at least `newMinimum`), or when the last run is older than
/// `intervalHours` and anything new arrived.
public struct ClusterSettings: Sendable, Equatable {
    /// `PARLEY_CLUSTER_MIN_CONVERSATIONS`: embedded conversations needed before the first automatic run.
    public var minimumConversations = 50
    /// `PARLEY_CLUSTER_NEW_SHARE`: new conversations, as a share of the last run, that trigger a run.
    public var newShare = 0.2
    /// `PARLEY_CLUSTER_NEW_MIN`: but never fewer than this many.
    public var newMinimum = 200
    /// `PARLEY_CLUSTER_INTERVAL_HOURS`: a run at least this often while data keeps arriving; 0 = never by time.
    public var intervalHours = 24
    /// `PARLEY_CLUSTER_AUTO=0` turns automatic runs off (runs on demand only).
    public var automatic = true

    public init() {}

    init(environment: [String: String]) throws {
        if let value = environment["PARLEY_CLUSTER_MIN_CONVERSATIONS"] {
            minimumConversations = try Configuration.integer(value, setting: "PARLEY_CLUSTER_MIN_CONVERSATIONS", in: 2...10_000_000)
        }
        if let value = environment["PARLEY_CLUSTER_NEW_SHARE"] {
            guard let share = Double(value), share > 0, share <= 10 else {
                throw ConfigurationError(setting: "PARLEY_CLUSTER_NEW_SHARE", value: value, expected: "a number above 0, e.g. 0.2")
            }
            newShare = share
        }
        if let value = environment["PARLEY_CLUSTER_NEW_MIN"] {
            newMinimum = try Configuration.integer(value, setting: "PARLEY_CLUSTER_NEW_MIN", in: 1...100_000_000)
        }
        if let value = environment["PARLEY_CLUSTER_INTERVAL_HOURS"] {
            intervalHours = try Configuration.integer(value, setting: "PARLEY_CLUSTER_INTERVAL_HOURS", in: 0...8_760)
        }
        if let value = environment["PARLEY_CLUSTER_AUTO"] {
            guard ["0", "1", "true", "false", "on", "off"].contains(value.lowercased()) else {
                throw ConfigurationError(setting: "PARLEY_CLUSTER_AUTO", value: value, expected: "1 or 0")
            }
            automatic = ["1", "true", "on"].contains(value.lowercased())
        }
    }
}
