import Foundation

/// What a user may do in one project; each role includes the ones below it.
public enum Role: String, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    /// Reads pages, but sees clusters only from a minimum size (so no individual can be singled out).
    case viewer
    /// Triages, labels and curates: everything a viewer can, plus changes to conversations and clusters.
    case reviewer
    /// Everything, including settings, members and API keys.
    case admin

    /// The order of privilege.
    var rank: Int {
        switch self {
        case .viewer: 0
        case .reviewer: 1
        case .admin: 2
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }

    public var description: String { rawValue }

    /// Whether this role includes `minimum`.
    public func allows(_ minimum: Role) -> Bool { self >= minimum }

    /// Whether a cluster of `size` conversations may be shown to this role: viewers see only clusters of at
    /// least `viewerMinimum` conversations (`PARLEY_VIEWER_MIN_CLUSTER_SIZE`), other roles see all.
    public func maySeeCluster(size: Int, viewerMinimum: Int) -> Bool {
        self > .viewer || size >= viewerMinimum
    }

    /// A role from user input, case-insensitive.
    public init?(parsing text: String) {
        self.init(rawValue: text.lowercased().trimmingCharacters(in: .whitespaces))
    }
}
