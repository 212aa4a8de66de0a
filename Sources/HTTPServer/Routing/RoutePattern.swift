/// A route path such as `/api/v1/conversations/:id` or `/files/*`.
struct RoutePattern: Sendable, Hashable, CustomStringConvertible {
    enum Segment: Sendable, Hashable {
        /// Must equal this (percent-encoded) text.
        case literal(String)
        /// Captures one segment under this name.
        case parameter(String)
        /// Captures the rest of the path (only last): `*` or `*name`.
        case catchAll(String)
    }

    let segments: [Segment]
    let description: String

    init(_ path: String) {
        description = path
        segments = path.split(separator: "/", omittingEmptySubsequences: true).map { segment in
            if segment.hasPrefix(":") { return .parameter(String(segment.dropFirst())) }
            if segment.hasPrefix("*") { return .catchAll(segment.count > 1 ? String(segment.dropFirst()) : "*") }
            return .literal(String(segment))
        }
    }

    /// Whether the pattern has no parameters (then it is looked up by exact path).
    var isStatic: Bool {
        segments.allSatisfy { if case .literal = $0 { true } else { false } }
    }

    /// Normalised path of a static pattern (`/a/b`).
    var staticPath: String {
        "/" + segments.map { if case .literal(let text) = $0 { text } else { "" } }.joined(separator: "/")
    }

    /// Matches path segments; returns decoded parameters or `nil`.
    func match(_ pathSegments: [Substring]) -> [String: String]? {
        var parameters: [String: String] = [:]
        var index = 0
        for segment in segments {
            switch segment {
            case .literal(let text):
                guard index < pathSegments.count, pathSegments[index] == text else { return nil }
            case .parameter(let name):
                guard index < pathSegments.count,
                    let value = PercentDecoding.decodePathSegment(pathSegments[index])
                else { return nil }
                parameters[name] = value
            case .catchAll(let name):
                parameters[name] = pathSegments[index...].joined(separator: "/")
                return parameters
            }
            index += 1
        }
        return index == pathSegments.count ? parameters : nil
    }
}
