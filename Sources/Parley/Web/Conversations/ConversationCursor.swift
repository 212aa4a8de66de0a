import Postgres

/// A position in the list: the start time (microseconds since 1970) and id of a row, as `micros.id`.
struct ConversationCursor: Sendable, Equatable {
    var micros: Int
    var id: Int

    init(micros: Int, id: Int) {
        self.micros = micros
        self.id = id
    }

    init?(_ text: String?) {
        guard let text else { return nil }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let micros = Int(parts[0]), let id = Int(parts[1]), id > 0 else { return nil }
        self.init(micros: micros, id: id)
    }

    var text: String { "\(micros).\(id)" }

    /// The cursor's time as a SQL expression (exact to the microsecond, unlike a float of seconds).
    var timestamp: PostgresQuery { "(timestamptz 'epoch' + \(micros) * interval '1 microsecond')" }
}
