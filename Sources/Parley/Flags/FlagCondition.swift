/// When a rule fires: a tree of conditions on a conversation, written as JSON.
///
/// Composition: `{"all": [c, …]}` (every one), `{"any": [c, …]}` (at least one), `{"not": c}`.
/// Leaves, each an object with a `type`:
/// - `{"type": "keywords", "words": ["refund", "chargeback"], "role": "user", "case_sensitive": false,
///   "whole_word": true}`: any of the words in a message (of that role, or any role);
/// - `{"type": "regex", "pattern": "order #\\d+", "role": "assistant", "ignore_case": true}`: a regular expression,
///   checked for catastrophic backtracking when the rule is saved and run with a time limit;
/// - `{"type": "metadata", "path": "customer.tier", "op": "=", "value": "gold"}`: a JSON path into the metadata
///   (`a.b`, `a.items[0].sku`) compared with `=`, `!=`, `<`, `<=`, `>`, `>=`, `exists`, `not_exists`, `contains`;
/// - `{"type": "model", "in": […]}`, `{"type": "prompt_version", "in": […]}`;
/// - `{"type": "feedback", "thumb": "down"}` (`up`, `down`, `none`), `{"type": "rating", "op": "<=", "value": 2}`;
/// - `{"type": "intent", "in": [names or ids]}` or `{"type": "intent", "unrecognized": true}`: the predicted
///   intent (case-insensitive names); a conversation that was not classified matches neither;
/// - `{"type": "cluster", "in": [ids]}`; `{"type": "outlier"}` (marked an outlier, or too far from every cluster)
///   or `{"type": "outlier", "min_distance": 0.5}` (1 − similarity to its cluster's centroid);
/// - `{"type": "detector", "name": "pii", "role": "user", "kinds": ["email"], "threshold": 1}`: a built-in
///   detector (see `DetectorRegistry`).
indirect enum FlagCondition: Sendable, Equatable {
    case all([FlagCondition])
    case any([FlagCondition])
    case not(FlagCondition)
    case keywords(Keywords)
    case regex(Regex)
    case metadata(Metadata)
    case model(Set<String>)
    case promptVersion(Set<String>)
    case feedback(thumb: Int?)
    case rating(MetadataPath.Operator, Int)
    case intent(Intent)
    case cluster(Set<Int>)
    case outlier(minDistance: Double?)
    case detector(Detector)

    struct Keywords: Sendable, Equatable {
        var words: [String]
        var roles: Set<String>?
        var caseSensitive = false
        var wholeWord = true
    }

    struct Regex: Sendable, Equatable {
        var pattern: String
        var roles: Set<String>?
        var ignoreCase = false
    }

    struct Metadata: Sendable, Equatable {
        var path: MetadataPath
        var op: MetadataPath.Operator
        var value: JSONValue?
    }

    enum Intent: Sendable, Equatable {
        case oneOf(Set<String>)
        case unrecognized
    }

    struct Detector: Sendable, Equatable {
        var name: String
        var roles: Set<String>?
        var kinds: Set<String>?
        var threshold: Double?
    }

    /// Whether evaluating needs the conversation's embedding, cluster or predicted intent (so the rule runs after
    /// embedding and classification).
    func needsEmbedding(_ registry: DetectorRegistry) -> Bool {
        switch self {
        case .all(let children), .any(let children): children.contains { $0.needsEmbedding(registry) }
        case .not(let child): child.needsEmbedding(registry)
        case .cluster, .outlier, .intent: true
        case .detector(let detector): registry.embeddingDetectors[detector.name] != nil
        default: false
        }
    }

    /// Every regular expression in the tree.
    var regexes: [Regex] {
        switch self {
        case .all(let children), .any(let children): children.flatMap(\.regexes)
        case .not(let child): child.regexes
        case .regex(let regex): [regex]
        default: []
        }
    }

    /// The canonical JSON of the condition (what is stored and returned).
    var json: JSONValue {
        func roles(_ roles: Set<String>?) -> [String: JSONValue] {
            guard let roles else { return [:] }
            return ["role": .array(roles.sorted().map(JSONValue.string))]
        }
        func strings(_ values: some Collection<String>) -> JSONValue { .array(values.sorted().map(JSONValue.string)) }
        switch self {
        case .all(let children): return .object(["all": .array(children.map(\.json))])
        case .any(let children): return .object(["any": .array(children.map(\.json))])
        case .not(let child): return .object(["not": child.json])
        case .keywords(let k):
            return .object(["type": .string("keywords"), "words": .array(k.words.map(JSONValue.string)),
                            "case_sensitive": .bool(k.caseSensitive), "whole_word": .bool(k.wholeWord)]
                .merging(roles(k.roles)) { a, _ in a })
        case .regex(let r):
            return .object(["type": .string("regex"), "pattern": .string(r.pattern), "ignore_case": .bool(r.ignoreCase)]
                .merging(roles(r.roles)) { a, _ in a })
        case .metadata(let m):
            var object: [String: JSONValue] = ["type": .string("metadata"), "path": .string(m.path.text), "op": .string(m.op.rawValue)]
            if let value = m.value { object["value"] = value }
            return .object(object)
        case .model(let values): return .object(["type": .string("model"), "in": strings(values)])
        case .promptVersion(let values): return .object(["type": .string("prompt_version"), "in": strings(values)])
        case .feedback(let thumb):
            return .object(["type": .string("feedback"), "thumb": .string(thumb == 1 ? "up" : thumb == -1 ? "down" : "none")])
        case .rating(let op, let value):
            return .object(["type": .string("rating"), "op": .string(op.rawValue), "value": .number(String(value))])
        case .intent(.oneOf(let values)): return .object(["type": .string("intent"), "in": strings(values)])
        case .intent(.unrecognized): return .object(["type": .string("intent"), "unrecognized": .bool(true)])
        case .cluster(let ids): return .object(["type": .string("cluster"), "in": .array(ids.sorted().map { .number(String($0)) })])
        case .outlier(let distance):
            return .object((["type": .string("outlier")] as [String: JSONValue]).merging(distance.map { ["min_distance": .number(String($0))] } ?? [:]) { a, _ in a })
        case .detector(let d):
            var object: [String: JSONValue] = ["type": .string("detector"), "name": .string(d.name)]
            if let kinds = d.kinds { object["kinds"] = strings(kinds) }
            if let threshold = d.threshold { object["threshold"] = .number(String(threshold)) }
            return .object(object.merging(roles(d.roles)) { a, _ in a })
        }
    }
}
