import Foundation
import Postgres

/// Pairwise review of a replay set: the next comparison for a reviewer, verdicts, win rates, verdicts as DPO pairs.
///
/// A comparison is an item's original answer against one of its variants. Reviewers see the two blind, on sides
/// chosen at random; a verdict stores the side the variant was on (`variant_side`), the side picked (`choice`)
/// and what that means (`winner`: original, variant, tie or skip).
struct ReplayReview: Sendable {
    let pool: PostgresPool

    /// A comparison to show.
    struct Pair: Sendable {
        var variantID: Int
        var itemID: Int
        var itemKey: String
        var position: Int
        var conversationID: Int?
        var input: [JSONValue]
        var original: [JSONValue]
        var variant: [JSONValue]
        var label: String
    }

    /// A stored verdict.
    struct Verdict: Encodable, Sendable {
        var id: Int
        var itemID: String
        var label: String
        var reviewer: String
        var variantSide: String
        var choice: String
        var winner: String
        var createdAt: Date

        enum CodingKeys: String, CodingKey {
            case id, itemID = "item_id", label, reviewer, variantSide = "variant_side", choice, winner
            case createdAt = "created_at"
        }
    }

    enum ReviewError: Error, Equatable {
        /// No such variant in the set.
        case variantNotFound
    }

    /// What a choice means, given the side the variant was shown on.
    static func winner(choice: String, variantSide: String) -> String {
        switch choice {
        case "a", "b": choice == variantSide ? "variant" : "original"
        default: choice
        }
    }

    /// The side (`a` = left) a variant is shown on for a reviewer: fixed per variant and `key` (the session's secret
    /// token), so a reload shows the same order, but unpredictable without the key, so the page gives nothing away.
    static func variantSide(variantID: Int, key: String) -> String {
        let code = HMACSHA256.authenticationCode(for: Array("replay-variant:\(variantID)".utf8), key: Array(key.utf8))
        return (code.first ?? 0) & 1 == 0 ? "a" : "b"
    }

    /// The next comparison `reviewer` has not judged (of `label` only, if given), in an order of its own per reviewer.
    func next(setID: Int, reviewer: String, label: String? = nil) async throws -> Pair? {
        let labelCondition: PostgresQuery = label.map { "AND v.label = \($0)" } ?? ""
        return try await pool.query("""
            SELECT v.id, i.id, i.item_key, i.position, i.conversation_id, i.input::text, i.original::text, v.output::text,
                   v.label
            FROM replay_variants v JOIN replay_items i ON i.id = v.item_id
            WHERE v.set_id = \(setID) \(labelCondition)
              AND NOT EXISTS (SELECT 1 FROM pairwise_verdicts p WHERE p.variant_id = v.id AND p.reviewer = \(reviewer))
            ORDER BY md5(v.id::text || ':' || \(reviewer)) LIMIT 1
            """).first.map { row in
            let (variantID, itemID, key, position, conversationID, input, original, output, label)
                = try row.decode((Int, Int, String, Int, Int?, String, String, String, String).self)
            return Pair(variantID: variantID, itemID: itemID, itemKey: key, position: position,
                        conversationID: conversationID, input: ReplayStore.messages(input),
                        original: ReplayStore.messages(original), variant: ReplayStore.messages(output), label: label)
        }
    }

    /// Comparisons `reviewer` has judged (skips included) and the number there are.
    func progress(setID: Int, reviewer: String, label: String? = nil) async throws -> (done: Int, total: Int) {
        let labelCondition: PostgresQuery = label.map { "AND v.label = \($0)" } ?? ""
        let row = try await pool.query("""
            SELECT count(p.id)::int, count(*)::int FROM replay_variants v
            LEFT JOIN pairwise_verdicts p ON p.variant_id = v.id AND p.reviewer = \(reviewer)
            WHERE v.set_id = \(setID) \(labelCondition)
            """).first
        return try row?.decode((Int, Int).self) ?? (0, 0)
    }

    /// Records (or replaces) `reviewer`'s verdict on a variant; returns the winner.
    /// - Throws: `ReviewError.variantNotFound` when the variant is not in the set.
    @discardableResult
    func record(setID: Int, variantID: Int, reviewer: String, variantSide: String, choice: String) async throws -> String {
        let winner = Self.winner(choice: choice, variantSide: variantSide)
        let stored = try await pool.query("""
            INSERT INTO pairwise_verdicts (set_id, item_id, variant_id, reviewer, variant_side, choice, winner)
            SELECT set_id, item_id, id, \(reviewer), \(variantSide), \(choice), \(winner)
            FROM replay_variants WHERE id = \(variantID) AND set_id = \(setID)
            ON CONFLICT (variant_id, reviewer) DO UPDATE SET variant_side = EXCLUDED.variant_side,
                choice = EXCLUDED.choice, winner = EXCLUDED.winner, created_at = now()
            RETURNING id
            """)
        guard stored.count == 1 else { throw ReviewError.variantNotFound }
        return winner
    }

    /// The variant of item `key` with `label` in the set, if any.
    func variantID(setID: Int, itemKey key: String, label: String) async throws -> Int? {
        try await pool.query("""
            SELECT v.id FROM replay_variants v JOIN replay_items i ON i.id = v.item_id
            WHERE v.set_id = \(setID) AND i.item_key = \(key) AND v.label = \(label)
            """).first?.decode(0, as: Int.self)
    }

    /// Win rates per variant label of each set in `setIDs`, labels in order.
    func winRates(setIDs: [Int]) async throws -> [Int: [WinRate]] {
        var rates: [Int: [WinRate]] = [:]
        for row in try await pool.query("""
            SELECT v.set_id, v.label, count(DISTINCT v.id)::int,
                   count(p.id) FILTER (WHERE p.winner = 'variant')::int,
                   count(p.id) FILTER (WHERE p.winner = 'original')::int,
                   count(p.id) FILTER (WHERE p.winner = 'tie')::int
            FROM replay_variants v LEFT JOIN pairwise_verdicts p ON p.variant_id = v.id
            WHERE v.set_id = ANY(\(setIDs))
            GROUP BY v.set_id, v.label ORDER BY v.set_id, v.label
            """) {
            let (setID, label, variants, wins, losses, ties) = try row.decode((Int, String, Int, Int, Int, Int).self)
            rates[setID, default: []].append(WinRate(label: label, variants: variants, wins: wins, losses: losses, ties: ties))
        }
        return rates
    }

    /// Verdicts of a set, oldest first, after verdict id `after`.
    func verdicts(setID: Int, after: Int = 0, limit: Int = 100) async throws -> [Verdict] {
        try await pool.query("""
            SELECT p.id, i.item_key, v.label, p.reviewer, p.variant_side, p.choice, p.winner, p.created_at
            FROM pairwise_verdicts p JOIN replay_variants v ON v.id = p.variant_id JOIN replay_items i ON i.id = p.item_id
            WHERE p.set_id = \(setID) AND p.id > \(after) ORDER BY p.id LIMIT \(limit)
            """).map { row in
            let (id, key, label, reviewer, side, choice, winner, created)
                = try row.decode((Int, String, String, String, String, String, String, Date).self)
            return Verdict(id: id, itemID: key, label: label, reviewer: reviewer, variantSide: side, choice: choice,
                           winner: winner, createdAt: created)
        }
    }

    /// Calls `body` with pages of DPO lines: one pair per comparison whose verdicts favour one side (the majority
    /// of its non-tie verdicts; comparisons with only ties or an even split give none), in TRL's conversational
    /// format `{"prompt", "chosen", "rejected"}` plus `id`, `label`, `chosen_side` and the vote counts.
    func forEachPreferencePage(setID: Int, pageSize: Int = 200, _ body: ([UInt8]) async throws -> Void) async throws {
        var after = 0
        while true {
            let rows = try await pool.query("""
                SELECT v.id, i.item_key, v.label, i.input::text, i.original::text, v.output::text,
                       count(*) FILTER (WHERE p.winner = 'variant')::int, count(*) FILTER (WHERE p.winner = 'original')::int
                FROM pairwise_verdicts p JOIN replay_variants v ON v.id = p.variant_id JOIN replay_items i ON i.id = p.item_id
                WHERE p.set_id = \(setID) AND p.winner IN ('variant', 'original') AND v.id > \(after)
                GROUP BY v.id, i.id ORDER BY v.id LIMIT \(pageSize)
                """).map { try $0.decode((Int, String, String, String, String, String, Int, Int).self) }
            guard let last = rows.last else { return }
            after = last.0
            var out: [UInt8] = []
            for (_, key, label, input, original, output, forVariant, forOriginal) in rows where forVariant != forOriginal {
                let variantWins = forVariant > forOriginal
                let chosen = ReplayStore.messages(variantWins ? output : original)
                let rejected = ReplayStore.messages(variantWins ? original : output)
                let line: JSONValue = .object([
                    "prompt": .array(ReplayStore.messages(input).map(TrainingExamples.chatMessage)),
                    "chosen": .array(chosen.map(TrainingExamples.chatMessage)),
                    "rejected": .array(rejected.map(TrainingExamples.chatMessage)),
                    "id": .string(key), "label": .string(label),
                    "chosen_side": .string(variantWins ? "variant" : "original"),
                    "votes": .object(["variant": .number(String(forVariant)), "original": .number(String(forOriginal))]),
                    "source": "replay",
                ])
                line.write(to: &out)
                out.append(0x0A)
            }
            if !out.isEmpty { try await body(out) }
            if rows.count < pageSize { return }
        }
    }
}
