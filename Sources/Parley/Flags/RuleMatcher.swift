import Foundation

/// Evaluates rules on conversations: regular expressions compiled once, detector results shared between rules.
///
/// Synchronous CPU work: run it in `offThread`. Not shared between threads.
final class RuleMatcher {
    let rules: [FlagRule]
    let registry: DetectorRegistry
    /// The embedding model of the subjects' vectors (embedding detectors trained on another model are skipped).
    let embeddingModel: String?
    /// Time allowed to one regular expression on one message.
    let regexBudget: Duration
    private var regexes: [String: BoundedRegex] = [:]
    /// Regular expressions that hit their time limit (counted for logs and the dry-run).
    private(set) var regexTimeouts = 0

    init(rules: [FlagRule], registry: DetectorRegistry, embeddingModel: String?, regexBudget: Duration = .milliseconds(50)) {
        self.rules = rules
        self.registry = registry
        self.embeddingModel = embeddingModel
        self.regexBudget = regexBudget
        for rule in rules {
            for regex in rule.condition.regexes where regexes[Self.key(regex)] == nil {
                regexes[Self.key(regex)] = try? BoundedRegex(checked: regex.pattern, ignoreCase: regex.ignoreCase)
            }
        }
    }

    private static func key(_ regex: FlagCondition.Regex) -> String { (regex.ignoreCase ? "i:" : "c:") + regex.pattern }

    /// The flags the rules raise on `subject`: one record per rule that fires.
    func flags(for subject: FlagSubject) -> [FlagRecord] {
        let evaluation = SubjectEvaluation(subject, registry: registry)
        return rules.compactMap { rule in
            evaluate(rule.condition, evaluation).map { FlagRecord(conversationID: subject.conversationID, rule: rule, findings: $0) }
        }
    }

    /// nil when the condition does not hold; otherwise its evidence (possibly none, e.g. for `not`).
    func evaluate(_ condition: FlagCondition, _ s: SubjectEvaluation) -> [DetectorFinding]? {
        let subject = s.subject
        switch condition {
        case .all(let children):
            var evidence: [DetectorFinding] = []
            for child in children {
                guard let found = evaluate(child, s) else { return nil }
                evidence += found
            }
            return evidence
        case .any(let children):
            var evidence: [DetectorFinding]?
            for child in children {
                if let found = evaluate(child, s) { evidence = (evidence ?? []) + found }
            }
            return evidence
        case .not(let child):
            return evaluate(child, s) == nil ? [] : nil
        case .keywords(let keywords):
            return nonEmpty(keywordFindings(keywords, s))
        case .regex(let regex):
            return nonEmpty(regexFindings(regex, s))
        case .metadata(let m):
            guard m.path.matches(subject.metadata, m.op, m.value) else { return nil }
            let value = m.value.map { " " + $0.serialized() } ?? ""
            return [fact("metadata", m.path.text, "metadata \(m.path.text) \(m.op.rawValue)\(value)")]
        case .model(let models):
            guard let model = subject.model, models.contains(model) else { return nil }
            return [fact("model", model, "model is \(model)")]
        case .promptVersion(let versions):
            guard let version = subject.promptVersion, versions.contains(version) else { return nil }
            return [fact("prompt_version", version, "prompt version is \(version)")]
        case .feedback(let thumb):
            guard subject.feedbackThumb == thumb else { return nil }
            let word = thumb == 1 ? "a thumb up" : thumb == -1 ? "a thumb down" : "no thumb"
            return [fact("feedback", "thumb", "the user gave \(word)")]
        case .rating(let op, let value):
            guard let rating = subject.feedbackRating,
                  MetadataPath.equalOrOrdered(.number(String(rating)), op, .number(String(value))) else { return nil }
            return [fact("feedback", "rating", "the user rated \(rating) of 5")]
        case .intent(let intent):
            // Conversations not classified (no active intent model, or not embedded yet) match neither form.
            guard let prediction = subject.intent else { return nil }
            switch intent {
            case .unrecognized:
                guard prediction.intentID == nil else { return nil }
                return [fact("intent", "unrecognized", "no intent recognised")]
            case .oneOf(let names):
                guard let name = prediction.name,
                      names.contains(where: { $0.caseInsensitiveCompare(name) == .orderedSame })
                        || prediction.intentID.map({ names.contains(String($0)) }) == true else { return nil }
                return [fact("intent", name, "intent is \(name)")]
            }
        case .cluster(let ids):
            guard let id = subject.cluster?.clusterID, ids.contains(id) else { return nil }
            return [fact("cluster", String(id), "in cluster \(id)")]
        case .outlier(let minDistance):
            guard let place = subject.cluster else { return nil }
            let distance = 1 - place.similarity
            if let minDistance {
                guard distance >= minDistance else { return nil }
                return [fact("outlier", "distance", String(format: "%.2f from its cluster's centroid (≥ %.2f)", distance, minDistance))]
            }
            guard place.isOutlier || place.clusterID == nil else { return nil }
            return [fact("outlier", "outlier", place.clusterID == nil ? "too far from every cluster" : "an outlier of its cluster")]
        case .detector(let d):
            return detectorFindings(d, s)
        }
    }

    private func nonEmpty(_ findings: [DetectorFinding]) -> [DetectorFinding]? { findings.isEmpty ? nil : findings }

    private func fact(_ detector: String, _ kind: String, _ reason: String) -> DetectorFinding {
        DetectorFinding(detector: detector, kind: kind, reason: reason)
    }

    private func keywordFindings(_ k: FlagCondition.Keywords, _ s: SubjectEvaluation) -> [DetectorFinding] {
        var found: [DetectorFinding] = []
        let conversation = s.conversation
        for index in conversation.indices(roles: k.roles) {
            let text = conversation.texts[index]
            for word in k.words {
                let phrase = k.caseSensitive ? Array(word.unicodeScalars) : ScalarText.foldedPhrase(word)
                let starts = k.caseSensitive ? Self.exactOccurrences(phrase, in: text, wholeWord: k.wholeWord)
                    : k.wholeWord ? text.wordOccurrences(of: phrase) : Self.substringOccurrences(phrase, in: text.folded)
                for start in starts.prefix(5) {
                    let range = start..<start + phrase.count
                    found.append(DetectorFinding(
                        detector: "keywords", kind: word,
                        reason: "“\(word)” in \(conversation.messages[index].role) message \(index)",
                        messageIndex: index, range: range, excerpt: text.excerpt(range)))
                }
                if found.count >= 20 { return found }
            }
        }
        return found
    }

    static func substringOccurrences(_ phrase: [Unicode.Scalar], in scalars: [Unicode.Scalar]) -> [Int] {
        guard !phrase.isEmpty, phrase.count <= scalars.count else { return [] }
        var found: [Int] = []
        var i = 0
        while i + phrase.count <= scalars.count {
            if scalars[i] == phrase[0], Array(scalars[i..<i + phrase.count]) == phrase {
                found.append(i)
                i += phrase.count
            } else {
                i += 1
            }
        }
        return found
    }

    private static func exactOccurrences(_ phrase: [Unicode.Scalar], in text: ScalarText, wholeWord: Bool) -> [Int] {
        substringOccurrences(phrase, in: text.scalars).filter { start in
            !wholeWord || ((!ScalarText.isWord(phrase[0]) || !text.isWordScalar(at: start - 1))
                && (!ScalarText.isWord(phrase[phrase.count - 1]) || !text.isWordScalar(at: start + phrase.count)))
        }
    }

    private func regexFindings(_ r: FlagCondition.Regex, _ s: SubjectEvaluation) -> [DetectorFinding] {
        guard let regex = regexes[Self.key(r)] else { return [] }
        var found: [DetectorFinding] = []
        let conversation = s.conversation
        for index in conversation.indices(roles: r.roles) {
            let search = regex.search(conversation.messages[index].text, budget: regexBudget)
            if search.timedOut {
                regexTimeouts += 1
                s.regexTimedOut = true
            }
            let text = conversation.texts[index]
            for match in search.ranges.prefix(20 - found.count) {
                let range = text.scalarRange(utf16: match.location, match.location + match.length)
                found.append(DetectorFinding(
                    detector: "regex", kind: r.pattern,
                    reason: "/\(r.pattern)/ matched “\(text.string(range).prefix(80))” in "
                        + "\(conversation.messages[index].role) message \(index)",
                    messageIndex: index, range: range, excerpt: text.excerpt(range)))
            }
            if found.count >= 20 { break }
        }
        return found
    }

    private func detectorFindings(_ d: FlagCondition.Detector, _ s: SubjectEvaluation) -> [DetectorFinding]? {
        if let detector = registry.textDetectors[d.name] {
            var findings = s.findings(detector, roles: d.roles ?? detector.defaultRoles)
            if let kinds = d.kinds { findings = findings.filter { kinds.contains($0.kind) } }
            return detector.fires(findings, threshold: d.threshold) ? findings : nil
        }
        guard let detector = registry.embeddingDetectors[d.name], let vector = s.subject.vector,
              detector.modelID == nil || detector.modelID == embeddingModel else { return nil }
        let score = detector.score(vector)
        let threshold = d.threshold ?? detector.defaultThreshold
        guard score >= threshold else { return nil }
        return [DetectorFinding(detector: d.name, kind: d.name,
                                reason: String(format: "%@ scored %.2f (threshold %.2f)", d.name, score, threshold),
                                score: score)]
    }
}

extension MetadataPath {
    /// `=`, `!=`, `<`, `<=`, `>`, `>=` between two present values.
    static func equalOrOrdered(_ a: JSONValue, _ op: Operator, _ b: JSONValue) -> Bool {
        switch op {
        case .equal: return equal(a, b)
        case .notEqual: return !equal(a, b)
        default:
            guard let order = order(a, b) else { return false }
            switch op {
            case .less: return order < 0
            case .lessOrEqual: return order <= 0
            case .greater: return order > 0
            case .greaterOrEqual: return order >= 0
            default: return false
            }
        }
    }
}
