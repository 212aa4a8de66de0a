import Foundation
import HTTPServer

/// The rule editor's fields: friendly ones for the common conditions (keywords, a regular expression, a detector)
/// and the condition as JSON for everything else (`FlagCondition` documents the language).
///
/// The form posts both; `mode` says which one counts. A stored rule whose condition is one such leaf opens in its
/// friendly mode, any other in JSON mode.
struct RuleForm {
    enum Mode: String, CaseIterable {
        case keywords, regex, detector, json
    }

    var name = ""
    var description = ""
    var severity = Severity.medium.rawValue
    var enabled = true
    var mode = Mode.keywords
    var keywords = ""
    var keywordRole = ""
    var wholeWord = true
    var caseSensitive = false
    var pattern = ""
    var regexRole = ""
    var ignoreCase = true
    var detector = "pii"
    var detectorRole = ""
    var detectorKinds = ""
    var conditionJSON = ""

    init() {}

    /// The fields of a submitted editor.
    init(form: QueryParameters) {
        func text(_ key: String) -> String { form[key] ?? "" }
        func checked(_ key: String) -> Bool { ["1", "on", "true"].contains(form[key] ?? "") }
        name = text("name").trimmingCharacters(in: .whitespacesAndNewlines)
        description = text("description").trimmingCharacters(in: .whitespacesAndNewlines)
        severity = text("severity")
        enabled = checked("enabled")
        mode = Mode(rawValue: text("mode")) ?? .keywords
        keywords = text("keywords")
        keywordRole = text("keyword_role")
        wholeWord = checked("whole_word")
        caseSensitive = checked("case_sensitive")
        pattern = text("pattern")
        regexRole = text("regex_role")
        ignoreCase = checked("ignore_case")
        detector = text("detector")
        detectorRole = text("detector_role")
        detectorKinds = text("detector_kinds")
        conditionJSON = text("condition")
    }

    /// The fields of a stored rule.
    init(name: String, description: String, severity: String, enabled: Bool, condition: JSONValue) {
        self.name = name
        self.description = description
        self.severity = severity
        self.enabled = enabled
        conditionJSON = Self.pretty(condition)
        mode = .json
        guard let leaf = condition.objectValue, let type = leaf["type"]?.stringValue else { return }
        let role = Self.singleRole(leaf["role"])
        switch type {
        case "keywords" where role != nil:
            mode = .keywords
            keywords = leaf["words"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ", ") ?? ""
            keywordRole = role ?? ""
            wholeWord = leaf["whole_word"]?.boolValue ?? true
            caseSensitive = leaf["case_sensitive"]?.boolValue ?? false
        case "regex" where role != nil:
            mode = .regex
            pattern = leaf["pattern"]?.stringValue ?? ""
            regexRole = role ?? ""
            ignoreCase = leaf["ignore_case"]?.boolValue ?? false
        case "detector" where role != nil && leaf["threshold"] == nil:
            mode = .detector
            detector = leaf["name"]?.stringValue ?? "pii"
            detectorRole = role ?? ""
            detectorKinds = leaf["kinds"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ", ") ?? ""
        default:
            break
        }
    }

    /// "" for any role, the role for a single one, nil for a list the friendly form cannot show.
    private static func singleRole(_ value: JSONValue?) -> String? {
        guard let value else { return "" }
        if let text = value.stringValue { return text }
        if let list = value.arrayValue, list.count == 1 { return list[0].stringValue }
        return nil
    }

    /// Comma- or line-separated entries, trimmed, without empties.
    static func list(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0 == "\n" || $0 == "\r" })
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// A field the form cannot turn into a rule.
    struct FieldFailure: Error {
        var field: Problem.FieldError
    }

    /// The condition the form describes; a JSON syntax error is a field error of `condition`.
    func condition() -> Result<JSONValue, FieldFailure> {
        func withRole(_ object: [String: JSONValue], _ role: String) -> JSONValue {
            var object = object
            if !role.isEmpty { object["role"] = .string(role) }
            return .object(object)
        }
        switch mode {
        case .keywords:
            return .success(withRole([
                "type": "keywords", "words": .array(Self.list(keywords).map(JSONValue.string)),
                "whole_word": .bool(wholeWord), "case_sensitive": .bool(caseSensitive),
            ], keywordRole))
        case .regex:
            return .success(withRole(["type": "regex", "pattern": .string(pattern), "ignore_case": .bool(ignoreCase)],
                                     regexRole))
        case .detector:
            var object: [String: JSONValue] = ["type": "detector", "name": .string(detector)]
            let kinds = Self.list(detectorKinds)
            if !kinds.isEmpty { object["kinds"] = .array(kinds.map(JSONValue.string)) }
            return .success(withRole(object, detectorRole))
        case .json:
            let text = conditionJSON.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else {
                return .failure(FieldFailure(field: .init(path: "condition", message: "is required")))
            }
            do {
                return .success(try JSONParser.parse(text))
            } catch {
                return .failure(FieldFailure(field: .init(path: "condition", message: "is not valid JSON: \(error)")))
            }
        }
    }

    /// The rule as the API's JSON body (what `FlagRuleStore.Input.parse` reads).
    func body() -> Result<[String: JSONValue], FieldFailure> {
        condition().map { condition in
            ["name": .string(name), "description": .string(description), "severity": .string(severity),
             "enabled": .bool(enabled), "condition": condition]
        }
    }

    /// The template values of the editor.
    func values(registry: DetectorRegistry) -> [String: Any] {
        var values: [String: Any] = [
            "name": name, "description": description, "enabled": enabled,
            "keywords": keywords, "wholeWord": wholeWord, "caseSensitive": caseSensitive,
            "pattern": pattern, "ignoreCase": ignoreCase, "detectorKinds": detectorKinds,
            "conditionJSON": conditionJSON.isEmpty ? (try? condition().get()).map { Self.pretty($0) } ?? "" : conditionJSON,
        ]
        values["severities"] = Severity.allCases.map { level in
            ["value": level.rawValue, "title": level.rawValue.capitalized, "selected": level.rawValue == severity]
                as [String: Any]
        }
        values["modes"] = [(Mode.keywords, "Keywords"), (.regex, "Regular expression"), (.detector, "Detector"),
                           (.json, "Condition JSON")].map { option, title in
            ["value": option.rawValue, "title": title, "selected": option == mode] as [String: Any]
        }
        values["mode"] = [mode.rawValue: true]
        func roles(_ current: String) -> [[String: Any]] {
            [("", "any role"), ("user", "user messages"), ("assistant", "assistant replies"),
             ("system", "system prompts"), ("tool", "tool results")].map { value, title in
                ["value": value, "title": title, "selected": value == current] as [String: Any]
            }
        }
        values["keywordRoles"] = roles(keywordRole)
        values["regexRoles"] = roles(regexRole)
        values["detectorRoles"] = roles(detectorRole)
        values["detectors"] = registry.names.map { name in
            let kinds = registry.kinds(of: name) ?? []
            return ["value": name, "title": Self.detectorTitle(name), "selected": name == detector,
                    "kinds": kinds.joined(separator: ", "), "embedding": registry.embeddingDetectors[name] != nil]
                as [String: Any]
        }
        return values
    }

    static func detectorTitle(_ name: String) -> String {
        switch name {
        case "pii": "Personal data (PII)"
        case "refusal": "Refusals"
        case "frustration": "User frustration"
        case "error_response": "Error responses"
        case "unsafe_request": "Unsafe requests (embedding)"
        default: name.replacingOccurrences(of: "_", with: " ").capitalized
        }
    }

    /// JSON with two-space indentation and sorted keys, for the textarea; arrays of scalars stay on one line.
    static func pretty(_ value: JSONValue, indent: String = "") -> String {
        let inner = indent + "  "
        switch value {
        case .object(let object) where !object.isEmpty:
            let fields = object.keys.sorted().map { key in
                inner + JSONValue.string(key).serialized() + ": " + pretty(object[key] ?? .null, indent: inner)
            }
            return "{\n" + fields.joined(separator: ",\n") + "\n" + indent + "}"
        case .array(let items) where items.contains(where: { $0.objectValue != nil || $0.arrayValue != nil }):
            return "[\n" + items.map { inner + pretty($0, indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        case .array(let items):
            return "[" + items.map { $0.serialized() }.joined(separator: ", ") + "]"
        default:
            return value.serialized()
        }
    }
}
