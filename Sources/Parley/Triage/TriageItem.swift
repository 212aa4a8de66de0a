import Postgres

/// The life of a triage item: open → in_review → resolved | dismissed.
///
/// Reviewers may also resolve or dismiss an open item directly, hand an item back (in_review → open) and reopen a
/// closed one (resolved | dismissed → open).
enum TriageStatus: String, Sendable, CaseIterable {
    case open
    case inReview = "in_review"
    case resolved
    case dismissed

    /// The statuses an item may move to from this one.
    var next: Set<TriageStatus> {
        switch self {
        case .open: [.inReview, .resolved, .dismissed]
        case .inReview: [.open, .resolved, .dismissed]
        case .resolved, .dismissed: [.open]
        }
    }

    /// The statuses from which an item may move to this one.
    var previous: [TriageStatus] { Self.allCases.filter { $0.next.contains(self) } }

    var isClosed: Bool { self == .resolved || self == .dismissed }
}

/// The orders the queue can be listed in, each with its keyset.
enum TriageSort: String, Sendable, CaseIterable {
    /// Highest priority first, then oldest: the order "take next" follows (the default).
    case priority
    case newest
    case oldest
    /// Most recently changed first.
    case updated

    var orderBy: PostgresQuery {
        switch self {
        case .priority: "(-t.priority), t.created_at, t.id"
        case .newest: "t.created_at DESC, t.id DESC"
        case .oldest: "t.created_at, t.id"
        case .updated: "t.updated_at DESC, t.id DESC"
        }
    }

    /// The cursor's values of the row `t`, as SQL (`priority`, microseconds since 1970, id).
    var cursorSQL: PostgresQuery {
        switch self {
        case .priority: "t.priority || ':' || (extract(epoch FROM t.created_at) * 1000000)::bigint || ':' || t.id"
        case .newest, .oldest: "(extract(epoch FROM t.created_at) * 1000000)::bigint || ':' || t.id"
        case .updated: "(extract(epoch FROM t.updated_at) * 1000000)::bigint || ':' || t.id"
        }
    }
}

/// A position in a sorted list of items: `sort:values`, opaque to clients.
struct TriageCursor: Sendable, Equatable {
    var sort: TriageSort
    var values: [Int]

    init?(_ text: String, sort: TriageSort) {
        let parts = text.split(separator: ":").map(String.init)
        guard parts.first == sort.rawValue else { return nil }
        let values = parts.dropFirst().compactMap { Int($0) }
        guard values.count == parts.count - 1, values.count == (sort == .priority ? 3 : 2) else { return nil }
        self.sort = sort
        self.values = values
    }

    /// Rows after this position, in the sort's order.
    var condition: PostgresQuery {
        func time(_ micros: Int) -> PostgresQuery { "(timestamptz 'epoch' + \(micros) * interval '1 microsecond')" }
        switch sort {
        case .priority:
            // The index order (migrations/0009): negated priority, so the whole key compares as one row value.
            return "((-t.priority), t.created_at, t.id) > (\(-values[0]), \(time(values[1])), \(values[2]))"
        case .newest: return "(t.created_at, t.id) < (\(time(values[0])), \(values[1]))"
        case .oldest: return "(t.created_at, t.id) > (\(time(values[0])), \(values[1]))"
        case .updated: return "(t.updated_at, t.id) < (\(time(values[0])), \(values[1]))"
        }
    }
}
