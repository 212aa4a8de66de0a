extension FlagCondition {
    static let roles: Set<String> = ["system", "user", "assistant", "tool"]
    static let maxDepth = 8
    static let maxLeaves = 50

    /// Reads a condition tree, collecting every problem with its path (`condition.all[1].pattern`).
    /// Regular expressions are compiled and probed for catastrophic backtracking here.
    /// - Parameter probeRegexes: false for stored rules, whose patterns were probed when saved.
    static func parse(_ value: JSONValue, path: String, registry: DetectorRegistry,
                      errors: inout [Problem.FieldError], probeRegexes: Bool = true) -> FlagCondition? {
        var leaves = 0
        let condition = parse(value, path: path, registry: registry, depth: 0, probe: probeRegexes, leaves: &leaves,
                              errors: &errors)
        if leaves > maxLeaves {
            errors.append(.init(path: path, message: "has \(leaves) conditions; the limit is \(maxLeaves)"))
        }
        return errors.isEmpty ? condition : nil
    }

    private static func parse(_ value: JSONValue, path: String, registry: DetectorRegistry, depth: Int,
                              probe: Bool, leaves: inout Int, errors: inout [Problem.FieldError]) -> FlagCondition? {
        guard let object = value.objectValue else {
            errors.append(.init(path: path, message: "must be an object: {\"all\": […]}, {\"any\": […]}, {\"not\": …} or {\"type\": …}"))
            return nil
        }
        guard depth < maxDepth else {
            errors.append(.init(path: path, message: "nests deeper than \(maxDepth) levels"))
            return nil
        }
        for key in ["all", "any"] {
            guard let list = object[key] else { continue }
            guard object.count == 1, let items = list.arrayValue, !items.isEmpty else {
                errors.append(.init(path: path + "." + key, message: "must be a non-empty list of conditions, alone in its object"))
                return nil
            }
            let children = items.enumerated().compactMap { i, item in
                parse(item, path: "\(path).\(key)[\(i)]", registry: registry, depth: depth + 1, probe: probe, leaves: &leaves, errors: &errors)
            }
            guard children.count == items.count else { return nil }
            return key == "all" ? .all(children) : .any(children)
        }
        if let inner = object["not"] {
            guard object.count == 1 else {
                errors.append(.init(path: path + ".not", message: "must be alone in its object"))
                return nil
            }
            return parse(inner, path: path + ".not", registry: registry, depth: depth + 1, probe: probe, leaves: &leaves, errors: &errors)
                .map { .not($0) }
        }
        leaves += 1
        guard let type = object["type"]?.stringValue else {
            errors.append(.init(path: path + ".type", message: "is required: keywords, regex, metadata, model, "
                + "prompt_version, feedback, rating, intent, cluster, outlier or detector"))
            return nil
        }
        var reader = LeafReader(object: object, path: path, errors: errors)
        defer { errors = reader.errors }
        switch type {
        case "keywords":
            let words = reader.strings("words", maxCount: 200, maxLength: 200) ?? []
            if words.isEmpty { reader.fail("words", "must list at least one word or phrase") }
            let k = Keywords(words: words, roles: reader.roles(), caseSensitive: reader.bool("case_sensitive") ?? false,
                             wholeWord: reader.bool("whole_word") ?? true)
            return .keywords(k)
        case "regex":
            guard let pattern = reader.string("pattern") else {
                reader.fail("pattern", "is required")
                return nil
            }
            let ignoreCase = reader.bool("ignore_case") ?? false
            if probe {
                do {
                    _ = try BoundedRegex(pattern, ignoreCase: ignoreCase)
                } catch {
                    reader.fail("pattern", error.message)
                    return nil
                }
            }
            return .regex(Regex(pattern: pattern, roles: reader.roles(), ignoreCase: ignoreCase))
        case "metadata":
            guard let text = reader.string("path") else {
                reader.fail("path", "is required, e.g. \"customer.tier\" or \"items[0].sku\"")
                return nil
            }
            guard let path = MetadataPath(text) else {
                reader.fail("path", "is not a path such as \"customer.tier\" or \"items[0].sku\"")
                return nil
            }
            let opText = reader.string("op") ?? "="
            guard let op = MetadataPath.Operator(rawValue: opText) else {
                reader.fail("op", "must be one of " + MetadataPath.Operator.allCases.map(\.rawValue).joined(separator: ", "))
                return nil
            }
            let operand = object["value"]
            if op.needsValue && operand == nil { reader.fail("value", "is required for \"\(op.rawValue)\"") }
            return .metadata(Metadata(path: path, op: op, value: op.needsValue ? operand : nil))
        case "model", "prompt_version":
            let values = reader.strings("in", maxCount: 500, maxLength: 200) ?? []
            if values.isEmpty { reader.fail("in", "must list at least one value") }
            return type == "model" ? .model(Set(values)) : .promptVersion(Set(values))
        case "feedback":
            switch reader.string("thumb") {
            case "up": return .feedback(thumb: 1)
            case "down": return .feedback(thumb: -1)
            case "none": return .feedback(thumb: nil)
            default:
                reader.fail("thumb", "must be \"up\", \"down\" or \"none\"")
                return nil
            }
        case "rating":
            guard let op = MetadataPath.Operator(rawValue: reader.string("op") ?? "="),
                  [.equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual].contains(op) else {
                reader.fail("op", "must be one of =, !=, <, <=, >, >=")
                return nil
            }
            guard let value = object["value"]?.intValue, (1...5).contains(value) else {
                reader.fail("value", "must be a whole number from 1 to 5")
                return nil
            }
            return .rating(op, value)
        case "intent":
            if reader.bool("unrecognized") == true { return .intent(.unrecognized) }
            let values = reader.strings("in", maxCount: 500, maxLength: 200) ?? []
            if values.isEmpty { reader.fail("in", "must list at least one intent, or set \"unrecognized\": true") }
            return .intent(.oneOf(Set(values)))
        case "cluster":
            guard let ids = object["in"]?.arrayValue?.compactMap(\.intValue), !ids.isEmpty,
                  ids.count == object["in"]?.arrayValue?.count else {
                reader.fail("in", "must list at least one cluster id")
                return nil
            }
            return .cluster(Set(ids))
        case "outlier":
            guard let distance = object["min_distance"] else { return .outlier(minDistance: nil) }
            guard let d = distance.doubleValue, (0...2).contains(d) else {
                reader.fail("min_distance", "must be a number from 0 to 2 (1 − cosine similarity)")
                return nil
            }
            return .outlier(minDistance: d)
        case "detector":
            guard let name = reader.string("name"), registry.names.contains(name) else {
                reader.fail("name", "must be one of " + registry.names.joined(separator: ", "))
                return nil
            }
            var kinds: Set<String>?
            if object["kinds"] != nil {
                let list = reader.strings("kinds", maxCount: 50, maxLength: 100) ?? []
                let known = registry.kinds(of: name) ?? []
                if let unknown = list.first(where: { !known.contains($0) }) {
                    reader.fail("kinds", "\"\(unknown)\" is not a kind of \(name)"
                        + (known.isEmpty ? "" : "; use " + known.joined(separator: ", ")))
                }
                kinds = Set(list)
            }
            var threshold: Double?
            if let value = object["threshold"] {
                if let t = value.doubleValue, t >= 0, t <= 100 { threshold = t } else { reader.fail("threshold", "must be a number ≥ 0") }
            }
            return .detector(Detector(name: name, roles: reader.roles(), kinds: kinds, threshold: threshold))
        default:
            reader.fail("type", "\"\(type)\" is not a condition type; use keywords, regex, metadata, model, prompt_version, "
                + "feedback, rating, intent, cluster, outlier or detector")
            return nil
        }
    }

    /// Reads the fields of one leaf, recording problems under its path.
    private struct LeafReader {
        let object: [String: JSONValue]
        let path: String
        var errors: [Problem.FieldError]

        mutating func fail(_ field: String, _ message: String) {
            errors.append(.init(path: "\(path).\(field)", message: message))
        }

        mutating func string(_ field: String) -> String? {
            guard let value = object[field] else { return nil }
            guard let text = value.stringValue else {
                fail(field, "must be a string")
                return nil
            }
            return text
        }

        mutating func bool(_ field: String) -> Bool? {
            guard let value = object[field] else { return nil }
            guard let flag = value.boolValue else {
                fail(field, "must be true or false")
                return nil
            }
            return flag
        }

        mutating func strings(_ field: String, maxCount: Int, maxLength: Int) -> [String]? {
            guard let value = object[field] else { return nil }
            guard let items = value.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else {
                fail(field, "must be a list of strings")
                return nil
            }
            let strings = items.compactMap(\.stringValue)
            if strings.count > maxCount { fail(field, "has \(strings.count) entries; the limit is \(maxCount)") }
            if strings.contains(where: { $0.isEmpty || $0.count > maxLength }) {
                fail(field, "entries must be 1 to \(maxLength) characters")
            }
            return strings
        }

        /// `role`: one role or a list; nil (any role) when absent.
        mutating func roles() -> Set<String>? {
            guard let value = object["role"] else { return nil }
            let list = value.stringValue.map { [$0] } ?? value.arrayValue?.compactMap(\.stringValue) ?? []
            guard !list.isEmpty, list.allSatisfy(FlagCondition.roles.contains) else {
                fail("role", "must be user, assistant, system or tool, or a list of them")
                return nil
            }
            return Set(list)
        }
    }
}
