import Foundation
import Insights
@testable import Parley
import Testing

/// Rule conditions without the database: parsing and its errors, metadata paths, regular expressions with their
/// time limit, composition and the evidence a flag records.
@Suite struct RuleEvaluationTests {
    let registry = DetectorRegistry.standard

    func condition(_ json: String) throws -> FlagCondition {
        var errors: [Problem.FieldError] = []
        let parsed = FlagCondition.parse(try JSONParser.parse(json), path: "condition", registry: registry, errors: &errors)
        #expect(errors.isEmpty, "\(errors)")
        return try #require(parsed)
    }

    func errors(_ json: String) throws -> [Problem.FieldError] {
        var errors: [Problem.FieldError] = []
        _ = FlagCondition.parse(try JSONParser.parse(json), path: "condition", registry: registry, errors: &errors)
        return errors
    }

    func subject(_ messages: [(String, String)], metadata: String = "{}", model: String? = "gpt-4o",
                 thumb: Int? = nil, rating: Int? = nil, cluster: FlagSubject.ClusterPlace? = nil) throws -> FlagSubject {
        FlagSubject(conversationID: 1, messages: messages.map { .object(["role": .string($0.0), "content": .string($0.1)]) },
                    metadata: try JSONParser.parse(metadata), model: model, promptVersion: "v2", feedbackThumb: thumb,
                    feedbackRating: rating, cluster: cluster, vector: nil)
    }

    func flags(_ json: String, _ subject: FlagSubject, severity: Severity = .high) throws -> [FlagRecord] {
        let rule = FlagRule(id: 7, projectID: 1, name: "test", description: "", severity: severity, enabled: true,
                            condition: try condition(json), phase: .ingest, version: 1)
        return RuleMatcher(rules: [rule], registry: registry, embeddingModel: nil).flags(for: subject)
    }

    @Test func metadataPaths() throws {
        let document = try JSONParser.parse(#"{"customer": {"tier": "gold", "age": 42, "since": "2021-03-01"},"#
            + #" "items": [{"sku": "A1"}, {"sku": "B2"}], "tags": ["vip", "eu"], "a.b": 1, "score": "7.5", "gone": null}"#)
        func check(_ path: String, _ op: MetadataPath.Operator, _ value: JSONValue?) throws -> Bool {
            try #require(MetadataPath(path)).matches(document, op, value)
        }
        #expect(try check("customer.tier", .equal, .string("gold")))
        #expect(try check("$.customer.tier", .equal, .string("gold")))
        #expect(try check("items[1].sku", .equal, .string("B2")))
        #expect(try check("[\"a.b\"]", .equal, .number("1")))
        #expect(try check("customer.age", .equal, .number("42.0")))
        #expect(try check("customer.age", .greater, .number("40")))
        #expect(try !check("customer.age", .less, .number("40")))
        #expect(try check("customer.age", .lessOrEqual, .string("42")))
        #expect(try check("score", .greaterOrEqual, .number("7")))
        #expect(try check("customer.since", .less, .string("2022-01-01")))
        #expect(try check("customer.tier", .notEqual, .string("silver")))
        #expect(try check("customer.missing", .notEqual, .string("silver")))
        #expect(try !check("customer.tier", .notEqual, .string("gold")))
        #expect(try check("customer", .exists, nil))
        #expect(try !check("gone", .exists, nil))
        #expect(try check("gone", .notExists, nil))
        #expect(try check("tags", .contains, .string("vip")))
        #expect(try check("customer.tier", .contains, .string("ol")))
        #expect(try check("customer", .contains, .string("tier")))
        #expect(try !check("items[5].sku", .equal, .string("A1")))
        #expect(try !check("customer.tier", .greater, .number("1")))
        for bad in ["", "a..b", ".a", "a[", "a[x]", "a."] { #expect(MetadataPath(bad) == nil, "\(bad)") }
    }

    @Test func parsingReportsEveryProblemWithItsPath() throws {
        let problems = try errors(#"{"all": [{"type": "keywords"}, {"type": "regex", "pattern": "(a+)+$"},"#
            + #" {"type": "metadata", "path": "a..b"}, {"type": "detector", "name": "nope"}, {"type": "colour"},"#
            + #" {"type": "rating", "value": 9}, {"type": "detector", "name": "pii", "kinds": ["email", "dna"]}]}"#)
        let paths = problems.map(\.path)
        #expect(paths == ["condition.all[0].words", "condition.all[1].pattern", "condition.all[2].path",
                          "condition.all[3].name", "condition.all[4].type", "condition.all[5].value",
                          "condition.all[6].kinds"])
        #expect(problems[1].message.contains("nested quantifiers"))
        #expect(try errors(#"{"any": []}"#).map(\.path) == ["condition.any"])
        #expect(try errors(#"{"not": {"type": "model", "in": ["x"]}, "type": "model"}"#).map(\.path) == ["condition.not"])
        #expect(try errors("[1]").map(\.path) == ["condition"])
    }

    @Test func dangerousRegexesAreRefusedWhenSaved() {
        func refusal(_ pattern: String) -> String? {
            do {
                _ = try BoundedRegex(pattern, ignoreCase: false)
                return nil
            } catch {
                return error.message
            }
        }
        #expect(refusal("(a+)+$")?.contains("nested quantifiers") == true)
        #expect(refusal(#"(\w+\s?)*$"#)?.contains("nested quantifiers") == true)
        #expect(refusal(#"(x)\1"#)?.contains("backreferences") == true)
        #expect(refusal("([a-z")?.contains("not a valid") == true)
        // Overlapping alternatives under a star pass the structural check; the probe on adversarial input catches them.
        #expect(refusal("^(a|aa)*$")?.contains("backtracks catastrophically") == true)
        #expect(refusal(#"order #\d{4,8}"#) == nil)
        #expect(refusal(#"\b(refund|chargeback)s?\b"#) == nil)
    }

    @Test func regexMatchingStopsAtItsTimeLimit() throws {
        // A pattern that was never checked (as if stored before a check existed): the deadline still holds.
        let regex = try BoundedRegex(checked: "(a+)+$", ignoreCase: false)
        let started = ContinuousClock.now
        let search = regex.search(String(repeating: "a", count: 40) + "!", budget: .milliseconds(50))
        let elapsed = ContinuousClock.now - started
        #expect(search.timedOut)
        #expect(search.ranges.isEmpty)
        #expect(elapsed < .seconds(2), "\(elapsed)")
        // Input beyond the bound is not read.
        let tail = try BoundedRegex(checked: "needle", ignoreCase: false)
        #expect(tail.search(String(repeating: "x", count: BoundedRegex.maxInput) + "needle", budget: .seconds(1)).ranges.isEmpty)
        #expect(tail.search("a needle", budget: .seconds(1)).ranges == [NSRange(location: 2, length: 6)])
    }

    @Test func keywordsAndRegexesRecordSpans() throws {
        let s = try subject([("system", "Be nice. Refund policy applies."), ("user", "I want a REFUND for order #12345 🎉"),
                             ("assistant", "Refunds take 5 days.")])
        let keyword = try #require(try flags(#"{"type": "keywords", "words": ["refund"], "role": "user"}"#, s).first)
        #expect(keyword.detectors == ["keywords"])
        let span = try #require(keyword.spans.arrayValue?.first)
        #expect(span["message_index"] == .number("1"))
        #expect(span["start"] == .number("9") && span["end"] == .number("15"))
        #expect(span["excerpt"]?.stringValue == "I want a REFUND for order #12345 🎉")
        // Whole words by default: "Refunds" in the assistant turn is not "refund"; a substring search finds it.
        #expect(try flags(#"{"type": "keywords", "words": ["refund"], "role": "assistant"}"#, s).isEmpty)
        #expect(try flags(#"{"type": "keywords", "words": ["refund"], "role": "assistant", "whole_word": false}"#, s).count == 1)
        #expect(try flags(#"{"type": "keywords", "words": ["refund"], "role": "user", "case_sensitive": true}"#, s).isEmpty)

        let regex = try #require(try flags(##"{"type": "regex", "pattern": "#\\d+", "role": ["user", "assistant"]}"##, s).first)
        let regexSpan = try #require(regex.spans.arrayValue?.first)
        #expect(regexSpan["start"] == .number("26") && regexSpan["end"] == .number("32"))
        #expect(regex.reason.contains("#12345"))
        // Offsets are in Unicode scalars even after an emoji (two UTF-16 units).
        let emoji = try subject([("user", "🎉🎉 code X-42")])
        let after = try #require(try flags(#"{"type": "regex", "pattern": "X-\\d+"}"#, emoji).first?.spans.arrayValue?.first)
        #expect(after["start"] == .number("8") && after["end"] == .number("12"))
    }

    @Test func compositionAndFacts() throws {
        let s = try subject([("user", "my card 4111 1111 1111 1111 was declined"), ("assistant", "I'm sorry, but I can't help with that.")],
                            metadata: #"{"customer": {"tier": "gold"}}"#, thumb: -1, rating: 2,
                            cluster: .init(clusterID: 12, similarity: 0.4, isOutlier: true))
        let all = #"{"all": [{"type": "detector", "name": "pii", "kinds": ["payment_card"]},"#
            + #" {"type": "metadata", "path": "customer.tier", "op": "=", "value": "gold"},"#
            + #" {"type": "model", "in": ["gpt-4o"]}, {"type": "detector", "name": "refusal"}]}"#
        let record = try #require(try flags(all, s).first)
        #expect(record.detectors == ["pii", "metadata", "model", "refusal"])
        #expect(record.severity == .high)
        #expect(record.reason.hasPrefix("test: "))
        let pii = try #require(record.spans.arrayValue?.first)
        #expect(pii["excerpt"]?.stringValue == "my card [CARD] was declined")
        #expect(pii["kind"] == .string("payment_card"))

        #expect(try flags(#"{"any": [{"type": "model", "in": ["claude"]}, {"type": "prompt_version", "in": ["v2"]}]}"#, s).count == 1)
        #expect(try flags(#"{"all": [{"type": "model", "in": ["claude"]}, {"type": "prompt_version", "in": ["v2"]}]}"#, s).isEmpty)
        #expect(try flags(#"{"not": {"type": "model", "in": ["claude"]}}"#, s).first?.detectors == ["rule"])
        #expect(try flags(#"{"type": "feedback", "thumb": "down"}"#, s).count == 1)
        #expect(try flags(#"{"type": "feedback", "thumb": "up"}"#, s).isEmpty)
        #expect(try flags(#"{"type": "rating", "op": "<=", "value": 2}"#, s).count == 1)
        #expect(try flags(#"{"type": "rating", "op": ">", "value": 2}"#, s).isEmpty)
        #expect(try flags(#"{"type": "cluster", "in": [12, 13]}"#, s).count == 1)
        #expect(try flags(#"{"type": "cluster", "in": [13]}"#, s).isEmpty)
        #expect(try flags(#"{"type": "outlier"}"#, s).count == 1)
        #expect(try flags(#"{"type": "outlier", "min_distance": 0.5}"#, s).count == 1)
        #expect(try flags(#"{"type": "outlier", "min_distance": 0.7}"#, s).isEmpty)
        // Not classified: neither intent form matches. Classified: by name (any case) or id; unrecognized.
        #expect(try flags(#"{"type": "intent", "unrecognized": true}"#, s).isEmpty)
        #expect(try flags(#"{"type": "intent", "in": ["refund"]}"#, s).isEmpty)
        var classified = s
        classified.intent = .init(intentID: 4, name: "Refund")
        #expect(try flags(#"{"type": "intent", "in": ["refund", "card_lost"]}"#, classified).first?.reason == "test: intent is Refund")
        #expect(try flags(#"{"type": "intent", "in": ["4"]}"#, classified).count == 1)
        #expect(try flags(#"{"type": "intent", "unrecognized": true}"#, classified).isEmpty)
        classified.intent = .init(intentID: nil, name: nil)
        #expect(try flags(#"{"type": "intent", "unrecognized": true}"#, classified).count == 1)
        #expect(try flags(#"{"type": "intent", "in": ["refund"]}"#, classified).isEmpty)
        // The frustration detector adds its signals up: thumb down + low rating.
        #expect(try flags(#"{"type": "detector", "name": "frustration", "threshold": 2}"#, s).count == 1)
        #expect(try flags(#"{"type": "detector", "name": "frustration", "threshold": 3}"#, s).isEmpty)
    }

    @Test func phaseFollowsWhatTheConditionReads() throws {
        #expect(try !condition(#"{"type": "detector", "name": "pii"}"#).needsEmbedding(registry))
        #expect(try condition(#"{"any": [{"type": "model", "in": ["x"]}, {"not": {"type": "outlier"}}]}"#).needsEmbedding(registry))
        #expect(try condition(#"{"type": "cluster", "in": [1]}"#).needsEmbedding(registry))
        #expect(try condition(#"{"type": "intent", "unrecognized": true}"#).needsEmbedding(registry))
    }

    @Test func canonicalJSONRoundTrips() throws {
        let text = #"{"all": [{"type": "keywords", "words": ["a", "b"], "role": "user"}, {"not": {"type": "regex","#
            + #" "pattern": "x+", "ignore_case": true}}, {"type": "metadata", "path": "a.b", "op": "exists"},"#
            + #" {"type": "detector", "name": "pii", "kinds": ["email"], "threshold": 1}, {"type": "outlier", "min_distance": 0.3}]}"#
        let parsed = try condition(text)
        #expect(try condition(parsed.json.serialized()) == parsed)
    }

    @Test func embeddingDetectorsPlugInAsDetectors() throws {
        // A tiny unsafe-request model on 4-dimensional vectors: the first axis is "unsafe".
        let model = SoftmaxRegression(classCount: 2, dimension: 4, weights: [0, 0, 0, 0, 6, 0, 0, 0], biases: [0, 0])
        let detector = try UnsafeRequestDetector(weights: .init(embeddingModel: "test-model", threshold: 0.8, model: model))
        let registry = DetectorRegistry(textDetectors: [RefusalDetector()],
                                        embeddingDetectors: [UnsafeRequestFlagDetector(detector: detector)])
        var errors: [Problem.FieldError] = []
        let condition = try #require(FlagCondition.parse(
            try JSONParser.parse(#"{"type": "detector", "name": "unsafe_request"}"#), path: "condition", registry: registry,
            errors: &errors))
        #expect(condition.needsEmbedding(registry))
        let rule = FlagRule(id: 1, projectID: 1, name: "unsafe", description: "", severity: .critical, enabled: true,
                            condition: condition, phase: .embedded, version: 1)
        func flags(_ vector: [Float]?, model: String = "test-model") throws -> [FlagRecord] {
            var s = try subject([("user", "how do I …")])
            s.vector = vector
            return RuleMatcher(rules: [rule], registry: registry, embeddingModel: model).flags(for: s)
        }
        let unsafe = try #require(try flags([1, 0, 0, 0]).first)
        #expect(unsafe.detectors == ["unsafe_request"])
        #expect(unsafe.reason.contains("unsafe_request scored 1.00"))
        #expect(try flags([0, 1, 0, 0]).isEmpty)
        // No vector yet, another model's vectors, or the wrong size: never flagged.
        #expect(try flags(nil).isEmpty)
        #expect(try flags([1, 0, 0, 0], model: "other-model").isEmpty)
        #expect(try flags([1, 0, 0]).isEmpty)
        // A threshold in the rule overrides the detector's.
        let strict = try #require(FlagCondition.parse(
            try JSONParser.parse(#"{"type": "detector", "name": "unsafe_request", "threshold": 0.4}"#), path: "condition",
            registry: registry, errors: &errors))
        var s = try subject([("user", "hm")])
        s.vector = [0, 1, 0, 0]
        let lenient = FlagRule(id: 2, projectID: 1, name: "t", description: "", severity: .low, enabled: true,
                               condition: strict, phase: .embedded, version: 1)
        #expect(RuleMatcher(rules: [lenient], registry: registry, embeddingModel: "test-model").flags(for: s).count == 1)
    }
}
