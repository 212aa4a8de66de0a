import Foundation
@testable import Parley
import Postgres
import TestSupport
import Testing

/// The triage queue through the API against the real database: listing, filters and keyset pages, take-next
/// (also concurrently), the life cycle with its rules, labels, comments, corrected answers, hidden votes with
/// agreement, bulk actions on a filter, progress and the audit log.
@Suite struct TriageAPITests {
    struct Fixture {
        let app: TestApp
        let key: String
        let otherKey: String
        let otherActor: String
        let ruleIDs: [String: Int]
    }

    /// Ten flagged conversations: cards (critical), e-mails (medium), refusals (low), two models.
    static func fixture() async throws -> Fixture {
        let app = try await TestApp.start()
        let key = try await app.writeKey()
        let other = try await app.context.apiKeys.create(projectID: app.projectID, scopes: APIKeyStore.scopes)
        var rules: [String: Int] = [:]
        for (name, severity, condition) in [
            ("cards", "critical", ["type": "detector", "name": "pii", "kinds": ["payment_card"]] as [String: Any]),
            ("emails", "medium", ["type": "detector", "name": "pii", "kinds": ["email"]]),
            ("refusals", "low", ["type": "detector", "name": "refusal"]),
        ] {
            let reply = try await app.post("/api/v1/rules", json: ["name": name, "severity": severity, "condition": condition], key: key)
            #expect(reply.status == 201, "\(reply.text)")
            rules[name] = reply.json["id"] as? Int
        }
        var conversations: [[String: Any]] = []
        for i in 0..<3 {
            conversations.append(conversation("card-\(i)", [("user", "card 4111 1111 1111 1111 declined"), ("assistant", "Checking.")]))
        }
        for i in 0..<4 {
            conversations.append(conversation("mail-\(i)", [("user", "mail me at u\(i)@example.com"), ("assistant", "Sure.")],
                                              model: i % 2 == 0 ? "gpt-4o" : "claude"))
        }
        for i in 0..<3 {
            conversations.append(conversation("refuse-\(i)", [("user", "Tell me a secret"),
                                                              ("assistant", "I'm sorry, but I can't help with that.")]))
        }
        conversations.append(conversation("clean", [("user", "Opening hours?"), ("assistant", "9 to 5.")]))
        try await app.ingestAndFlag(conversations)
        #expect(try await app.count("SELECT count(*) FROM triage_items") == 10)
        return Fixture(app: app, key: key, otherKey: other.key, otherActor: "api-key:\(other.id)", ruleIDs: rules)
    }

    func ids(_ reply: TestApp.Reply) -> [Int] {
        (reply.json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
    }

    @Test func listingFiltersAndKeysetPages() async throws {
        let f = try await Self.fixture()
        defer { Task { await f.app.stop() } }
        let app = f.app
        let all = try await app.get("/api/v1/triage/items?count=true")
        #expect(all.status == 200, "\(all.text)")
        #expect(all.json["total"] as? Int == 10)
        let items = try #require(all.json["items"] as? [[String: Any]])
        #expect(items.map { $0["severity"] as? String } == Array(repeating: "critical", count: 3)
            + Array(repeating: "medium", count: 4) + Array(repeating: "low", count: 3))
        let first = try #require(items.first)
        #expect((first["conversation"] as? [String: Any])?["preview"] as? String == "card 4111 1111 1111 1111 declined")
        #expect(((first["flags"] as? [[String: Any]])?.first)?["rule"] as? String == "cards")

        // Keyset pages of 3 in every sort cover every item exactly once, in the same order as one page.
        for sort in ["priority", "newest", "oldest", "updated"] {
            let whole = ids(try await app.get("/api/v1/triage/items?sort=\(sort)&limit=200"))
            var walked: [Int] = []
            var cursor: String?
            repeat {
                let suffix = cursor.map { "&cursor=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" } ?? ""
                let page = try await app.get("/api/v1/triage/items?sort=\(sort)&limit=3\(suffix)")
                #expect(page.status == 200, "\(page.text)")
                walked += ids(page)
                cursor = page.json["next_cursor"] as? String
            } while cursor != nil
            #expect(walked == whole, "\(sort)")
            #expect(Set(walked).count == 10)
        }
        #expect(try await app.get("/api/v1/triage/items?sort=newest&cursor=priority:1:2:3").status == 400)

        func count(_ query: String) async throws -> Int? {
            let reply = try await app.get("/api/v1/triage/items?count=true&\(query)")
            #expect(reply.status == 200, "\(query): \(reply.text)")
            return reply.json["total"] as? Int
        }
        #expect(try await count("severity=critical") == 3)
        #expect(try await count("severity=critical,low") == 6)
        #expect(try await count("rule=\(f.ruleIDs["emails"]!)") == 4)
        #expect(try await count("detector=refusal") == 3)
        #expect(try await count("detector=pii&model=claude") == 2)
        #expect(try await count("status=open&assignee=none") == 10)
        #expect(try await count("status=resolved") == 0)
        #expect(try await count("from=2000-01-01&to=2999-12-31") == 10)
        #expect(try await count("to=2000-01-01") == 0)
        let bad = try await app.get("/api/v1/triage/items?status=closed&severity=urgent&from=yesterday")
        #expect(bad.status == 422)
        #expect((bad.json["errors"] as? [[String: String]])?.map { $0["path"] ?? "" } == ["status", "severity", "from"])
    }

    @Test func takeNextClaimsEachItemOnce() async throws {
        let f = try await Self.fixture()
        defer { Task { await f.app.stop() } }
        let app = f.app
        let first = try await app.post("/api/v1/triage/next", json: [:], key: f.key)
        #expect(first.status == 200, "\(first.text)")
        #expect(first.json["status"] as? String == "in_review")
        #expect(first.json["severity"] as? String == "critical")
        #expect((first.json["assignee"] as? String)?.hasPrefix("api-key:") == true)
        // Oldest first within a priority.
        let cards = ids(try await app.get("/api/v1/triage/items?severity=critical&sort=oldest"))
        #expect(first.json["id"] as? Int == cards.first)
        // A filter narrows what is taken.
        let low = try await app.post("/api/v1/triage/next", json: ["filter": ["severity": "low"]], key: f.otherKey)
        #expect(low.json["severity"] as? String == "low")
        #expect(low.json["assignee"] as? String == f.otherActor)

        // Sixteen concurrent takes for the eight items left: each item once, the rest find the queue empty.
        let results = try await withThrowingTaskGroup(of: (Int, Int?).self) { group in
            for i in 0..<16 {
                group.addTask {
                    let reply = try await app.post("/api/v1/triage/next", json: [:], key: i % 2 == 0 ? f.key : f.otherKey)
                    return (reply.status, reply.json["id"] as? Int)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let taken = results.compactMap(\.1)
        #expect(taken.count == 8)
        #expect(Set(taken).count == 8)
        #expect(results.filter { $0.0 == 204 }.count == 8)
        #expect(try await app.count("SELECT count(*) FROM triage_items WHERE status = 'open'") == 0)
        #expect(try await app.count("SELECT count(*) FROM audit_log WHERE action = 'triage.take'") == 10)
    }

    @Test func lifeCycleReviewsAndAudit() async throws {
        let f = try await Self.fixture()
        defer { Task { await f.app.stop() } }
        let app = f.app
        let taken = try await app.post("/api/v1/triage/next", json: [:], key: f.key)
        let id = try #require(taken.json["id"] as? Int)
        let me = try #require(taken.json["assignee"] as? String)
        let detail = try await app.get("/api/v1/triage/items/\(id)")
        #expect(detail.status == 200)
        let conversation = try #require(detail.json["conversation"] as? [String: Any])
        #expect((conversation["messages"] as? [[String: Any]])?.count == 2)
        let span = try #require(((detail.json["flags"] as? [[String: Any]])?.first?["spans"] as? [[String: Any]])?.first)
        #expect(span["excerpt"] as? String == "card [CARD] declined")

        // Edits: labels, a corrected answer, two reviewers required, the other key invited.
        let edited = try await app.patch("/api/v1/triage/items/\(id)", json: [
            "labels": ["pii", "card"], "corrected_answer": "Please never share your card number here; I have removed it.",
            "required_reviews": 2, "reviewers": [f.otherActor],
        ], key: f.key)
        #expect(edited.status == 200, "\(edited.text)")
        #expect(edited.json["labels"] as? [String] == ["pii", "card"])
        #expect(edited.json["corrected_answer"] as? String != nil)
        #expect(edited.json["reviewers"] as? [String] == [f.otherActor])
        let labelled = try await app.post("/api/v1/triage/items/\(id)/labels", json: ["add": ["card", "urgent"], "remove": ["pii"]],
                                          key: f.key)
        #expect(labelled.json["labels"] as? [String] == ["card", "urgent"])
        // Invalid input: unknown fields, a stranger as assignee, a bad status.
        let invalid = try await app.patch("/api/v1/triage/items/\(id)", json: ["colour": "red", "status": "done"], key: f.key)
        #expect(invalid.status == 422)
        let stranger = try await app.patch("/api/v1/triage/items/\(id)", json: ["assignee": 424242], key: f.key)
        #expect(stranger.status == 422 && stranger.text.contains("not a reviewer"))
        #expect(try await app.patch("/api/v1/triage/items/\(id)", json: ["status": "resolved"]).status == 403)
        #expect(try await app.get("/api/v1/triage/items/999999").status == 404)

        // Comments.
        let comment = try await app.post("/api/v1/triage/items/\(id)/comments", json: ["body": "Customer pasted the full PAN."],
                                         key: f.key)
        #expect(comment.status == 201)
        let comments = try await app.get("/api/v1/triage/items/\(id)/comments")
        #expect((comments.json["comments"] as? [[String: Any]])?.first?["body"] as? String == "Customer pasted the full PAN.")

        // Hidden votes: each reviewer sees the others' scores only after voting.
        let rated = try await app.post("/api/v1/triage/items/\(id)/ratings",
                                       json: ["scores": ["helpfulness": 2, "correctness": 4, "safety": 1]], key: f.key)
        #expect(rated.status == 200, "\(rated.text)")
        #expect(rated.json["you_voted"] as? Bool == true)
        #expect(rated.json["complete"] as? Bool == false)
        let peek = try await app.get("/api/v1/triage/items/\(id)/ratings", key: f.otherKey)
        #expect(peek.json["hidden"] as? Bool == true)
        #expect(peek.json["votes"] as? Int == 1)
        #expect((peek.json["ratings"] as? [Any])?.isEmpty == true)
        #expect(peek.json["agreement"] is NSNull)
        let hiddenInDetail = try await app.get("/api/v1/triage/items/\(id)", key: f.otherKey)
        #expect(((hiddenInDetail.json["review"] as? [String: Any])?["ratings"] as? [Any])?.isEmpty == true)
        let second = try await app.post("/api/v1/triage/items/\(id)/ratings",
                                        json: ["scores": ["helpfulness": 2, "correctness": 3, "safety": 1]], key: f.otherKey)
        #expect(second.json["hidden"] as? Bool == false)
        #expect((second.json["ratings"] as? [[String: Any]])?.count == 2)
        #expect(second.json["complete"] as? Bool == true)
        let agreement = try #require(second.json["agreement"] as? [String: [String: Any]])
        #expect(agreement["helpfulness"]?["pairwise_agreement"] as? Double == 1)
        #expect(agreement["correctness"]?["pairwise_agreement"] as? Double == 0)
        let badScore = try await app.post("/api/v1/triage/items/\(id)/ratings", json: ["scores": ["helpfulness": 7, "vibes": 3]],
                                          key: f.key)
        #expect(badScore.status == 422)
        #expect((badScore.json["errors"] as? [[String: String]])?.map { $0["path"] ?? "" } == ["scores.helpfulness", "scores.vibes"])

        // The life cycle: resolved, then not back to in_review (409), but reopened.
        let resolved = try await app.patch("/api/v1/triage/items/\(id)", json: ["status": "resolved", "resolution": "Redacted."],
                                           key: f.key)
        #expect(resolved.json["status"] as? String == "resolved")
        #expect(resolved.json["closed_at"] as? String != nil)
        let conflict = try await app.patch("/api/v1/triage/items/\(id)", json: ["status": "in_review"], key: f.key)
        #expect(conflict.status == 409)
        #expect(conflict.text.contains("may move to open"))
        let reopened = try await app.patch("/api/v1/triage/items/\(id)", json: ["status": "open"], key: f.key)
        #expect(reopened.json["status"] as? String == "open")
        #expect(reopened.json["closed_at"] is NSNull)
        // An unchanged PATCH writes nothing.
        let audits = try await app.count("SELECT count(*) FROM audit_log WHERE entity_id = \(id) AND entity = 'triage_item'")
        _ = try await app.patch("/api/v1/triage/items/\(id)", json: ["status": "open", "labels": ["card", "urgent"]], key: f.key)
        #expect(try await app.count("SELECT count(*) FROM audit_log WHERE entity_id = \(id) AND entity = 'triage_item'") == audits)

        // The item's history through the audit API, newest first, with before and after.
        let history = try await app.get("/api/v1/audit?entity=triage_item&entity_id=\(id)")
        let entries = try #require(history.json["entries"] as? [[String: Any]])
        #expect(entries.compactMap { $0["action"] as? String }.reversed() == [
            "triage.create", "triage.take", "triage.update", "triage.update", "triage.comment", "triage.rate", "triage.rate",
            "triage.status", "triage.status",
        ])
        let status = try #require(entries.first)
        #expect((status["before"] as? [String: Any])?["status"] as? String == "resolved")
        #expect((status["after"] as? [String: Any])?["status"] as? String == "open")
        #expect(status["actor"] as? String == me)
        let page = try await app.get("/api/v1/audit?entity=triage_item&entity_id=\(id)&limit=4")
        let next = try #require(page.json["next_cursor"] as? String)
        let rest = try await app.get("/api/v1/audit?entity=triage_item&entity_id=\(id)&limit=100&cursor=\(next)")
        #expect((rest.json["entries"] as? [Any])?.count == 5)

        // Agreement over the project and progress per assignee.
        let kappa = try await app.get("/api/v1/triage/agreement")
        let rubrics = try #require(kappa.json["rubrics"] as? [String: [String: Any]])
        #expect(rubrics["safety"]?["method"] as? String == "cohen")
        #expect(rubrics["safety"]?["items"] as? Int == 1)
        let progress = try await app.get("/api/v1/triage/progress")
        let rows = try #require(progress.json["assignees"] as? [[String: Any]])
        let mine = try #require(rows.first { $0["assignee"] as? String == me })
        #expect(mine["open"] as? Int == 1)
        #expect(mine["rated"] as? Int == 1)
        #expect(rows.first { $0["assignee"] is NSNull }?["open"] as? Int == 9)

        // The rubric is the project's own once set.
        let rubric = try await app.send("PUT", "/api/v1/triage/rubric", body: try JSONSerialization.data(withJSONObject: [
            "rubric": [["key": "tone", "name": "Tone"], ["key": "accuracy", "name": "Accuracy"]]]), key: f.key)
        #expect(rubric.status == 200, "\(rubric.text)")
        #expect(try await app.post("/api/v1/triage/items/\(id)/ratings", json: ["scores": ["safety": 3]], key: f.key).status == 422)
        #expect(try await app.post("/api/v1/triage/items/\(id)/ratings", json: ["scores": ["tone": 3]], key: f.key).status == 200)
    }

    @Test func bulkActionsApplyToTheWholeFilterOnce() async throws {
        let f = try await Self.fixture()
        defer { Task { await f.app.stop() } }
        let app = f.app
        let body: [String: Any] = ["filter": ["severity": ["medium", "low"]],
                                   "action": ["status": "dismissed", "add_labels": ["noise"], "resolution": "bulk"]]
        let first = try await app.post("/api/v1/triage/bulk", json: body, key: f.key)
        #expect(first.status == 200, "\(first.text)")
        #expect(first.json["matched"] as? Int == 7 && first.json["updated"] as? Int == 7)
        let audits = try await app.count("SELECT count(*) FROM audit_log WHERE action = 'triage.bulk'")
        #expect(audits == 7)
        // Again: the same items match, nothing changes, nothing is written.
        let again = try await app.post("/api/v1/triage/bulk", json: body, key: f.key)
        #expect(again.json["matched"] as? Int == 7 && again.json["updated"] as? Int == 0)
        #expect(try await app.count("SELECT count(*) FROM audit_log WHERE action = 'triage.bulk'") == 7)
        #expect(try await app.count("SELECT count(*) FROM triage_items WHERE labels = ARRAY['noise']") == 7)
        #expect(try await app.count("SELECT count(*) FROM triage_items WHERE status = 'dismissed' AND closed_at IS NOT NULL") == 7)
        #expect(try await app.count("SELECT count(*) FROM triage_items") == 10)

        // PATCH on the collection with a query-string filter: reopen the e-mail items only, assigned to the other key.
        let reopened = try await app.send("PATCH", "/api/v1/triage/items?rule=\(f.ruleIDs["emails"]!)&status=dismissed",
                                          body: try JSONSerialization.data(withJSONObject: [
                                              "status": "open", "assignee": f.otherActor, "remove_labels": ["noise"]]),
                                          key: f.key)
        #expect(reopened.status == 200, "\(reopened.text)")
        #expect(reopened.json["updated"] as? Int == 4)
        #expect(try await app.count("SELECT count(*) FROM triage_items WHERE status = 'open' AND assignee = \(f.otherActor) AND closed_at IS NULL AND labels = '{}'") == 4)
        // A status move the life cycle forbids is skipped, not forced: dismissed items cannot go to in_review.
        let forbidden = try await app.post("/api/v1/triage/bulk", json: ["filter": ["status": "dismissed"],
                                                                         "action": ["status": "in_review"]], key: f.key)
        #expect(forbidden.json["matched"] as? Int == 3 && forbidden.json["updated"] as? Int == 0)
        // Validation: no filter on the collection, unknown filter or action fields.
        let unfiltered = try await app.send("PATCH", "/api/v1/triage/items",
                                            body: try JSONSerialization.data(withJSONObject: ["status": "dismissed"]), key: f.key)
        #expect(unfiltered.status == 422)
        let unknown = try await app.post("/api/v1/triage/bulk", json: ["filter": ["colour": "red"], "action": ["paint": 1]], key: f.key)
        #expect(unknown.status == 422)
        #expect(try await app.post("/api/v1/triage/bulk", json: ["action": ["status": "open"]], key: f.key).status == 422)
        // Everything, explicitly.
        let everything = try await app.post("/api/v1/triage/bulk", json: ["filter": [:] as [String: Any],
                                                                          "action": ["add_labels": ["reviewed-2024"]]], key: f.key)
        #expect(everything.json["matched"] as? Int == 10 && everything.json["updated"] as? Int == 10)
    }

    @Test func newFlagsUpdateTheItemInsteadOfDuplicatingIt() async throws {
        let f = try await Self.fixture()
        defer { Task { await f.app.stop() } }
        let app = f.app
        // An e-mail conversation that later also gets a card number: one item, raised to critical.
        let before = try await app.count("SELECT count(*) FROM triage_items")
        try await app.ingestAndFlag([conversation("mail-0", [("user", "mail me at u0@example.com"), ("assistant", "Sure."),
                                                             ("user", "and charge 4111 1111 1111 1111"), ("assistant", "Done.")])])
        #expect(try await app.count("SELECT count(*) FROM triage_items") == before)
        #expect(try await app.count("""
            SELECT t.priority FROM triage_items t JOIN conversations c ON c.id = t.conversation_id WHERE c.external_id = 'mail-0'
            """) == 4)
        #expect(try await app.count("SELECT count(*) FROM audit_log WHERE action = 'triage.reprioritize'") == 1)
    }
}
