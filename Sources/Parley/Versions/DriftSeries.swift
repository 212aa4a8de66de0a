import Foundation
import Insights
import Postgres

/// The daily buckets of one model over a window of whole UTC days: volume, flagged conversations, the intent mix,
/// and (from a sample of each day) answer lengths and refusals.
struct DriftSeries: Sendable {
    var model: String
    /// Days since 1970-01-01 of the first bucket.
    var firstDay: Int
    var volume: [Int]
    var flagged: [Int]
    /// The intent of each column of `intents` (`Comparison.none` = unrecognized).
    var intentIDs: [Int] = []
    var intentNames: [Int: String] = [:]
    var intents: [[Int]]
    var refusals: [Proportion]
    var lengths: [Moments]
    /// The sampled answers, oldest first (to pick the first affected conversations).
    var facts: [ReplyFacts] = []

    var count: Int { volume.count }

    /// The date of bucket `index`.
    func date(_ index: Int) -> Date { Date(timeIntervalSince1970: Double(firstDay + index) * 86_400) }

    /// Reads the buckets of `model` for days `firstDay ..< firstDay + days`, with at most `samplePerDay`
    /// conversations a day read for lengths and refusals.
    static func load(projectID: Int, model: String, firstDay: Int, days: Int, samplePerDay: Int,
                     pool: PostgresPool) async throws -> DriftSeries {
        let since = Date(timeIntervalSince1970: Double(firstDay) * 86_400)
        let until = Date(timeIntervalSince1970: Double(firstDay + days) * 86_400)
        var series = DriftSeries(model: model, firstDay: firstDay, volume: Array(repeating: 0, count: days),
                                 flagged: Array(repeating: 0, count: days), intents: Array(repeating: [], count: days),
                                 refusals: Array(repeating: Proportion(0, of: 0), count: days),
                                 lengths: Array(repeating: Moments(), count: days))
        let scope: PostgresQuery = """
            c.project_id = \(projectID) AND c.model = \(model) AND c.started_at >= \(since) AND c.started_at < \(until)
            """
        for row in try await pool.query("""
            SELECT floor(extract(epoch FROM c.started_at) / 86400)::int8, count(*),
                   count(*) FILTER (WHERE EXISTS (SELECT 1 FROM flags f WHERE f.conversation_id = c.id
                                                  AND NOT f.detectors @> \(["drift"])))
            FROM conversations c WHERE \(scope) GROUP BY 1
            """) {
            let (day, volume, flagged) = try row.decode((Int, Int, Int).self)
            guard (0..<days).contains(day - firstDay) else { continue }
            series.volume[day - firstDay] = volume
            series.flagged[day - firstDay] = flagged
        }
        if let intentModel = try await pool.query("""
            SELECT id FROM intent_models WHERE project_id = \(projectID) AND active
            """).first?.decode(0, as: Int.self) {
            var counts: [(day: Int, intent: Int, count: Int)] = []
            for row in try await pool.query("""
                SELECT floor(extract(epoch FROM c.started_at) / 86400)::int8, coalesce(ci.intent_id, -1), count(*)
                FROM conversations c JOIN conversation_intents ci ON ci.conversation_id = c.id AND ci.model_id = \(intentModel)
                WHERE \(scope) GROUP BY 1, 2
                """) {
                counts.append(try row.decode((Int, Int, Int).self))
            }
            series.intentIDs = Array(Set(counts.map(\.intent))).sorted()
            let column = Dictionary(uniqueKeysWithValues: series.intentIDs.enumerated().map { ($1, $0) })
            series.intents = Array(repeating: Array(repeating: 0, count: series.intentIDs.count), count: days)
            for item in counts where (0..<days).contains(item.day - firstDay) {
                series.intents[item.day - firstDay][column[item.intent]!] += item.count
            }
            series.intentNames = Dictionary(try await pool.query("""
                SELECT id, name FROM intents WHERE project_id = \(projectID) AND id = ANY(\(series.intentIDs))
                """).map { try $0.decode((Int, String).self) }, uniquingKeysWith: { a, _ in a })
        }
        // The same pseudo-random sample every run: the first ids of each day by a hash of the id.
        let ids = try await pool.query("""
            SELECT id FROM (
                SELECT c.id, c.started_at, row_number() OVER (PARTITION BY floor(extract(epoch FROM c.started_at) / 86400)
                                                 ORDER BY hashint8(c.id), c.id) AS rank
                FROM conversations c WHERE \(scope)) s
            WHERE rank <= \(samplePerDay) ORDER BY started_at, id
            """).map { try $0.decode(0, as: Int.self) }
        series.facts = try await ReplyFacts.load(ids: ids, pool: pool)
        for fact in series.facts where (0..<days).contains(fact.day - firstDay) {
            let index = fact.day - firstDay
            series.refusals[index] = Proportion(series.refusals[index].successes + (fact.refused ? 1 : 0),
                                                of: series.refusals[index].trials + 1)
            series.lengths[index] = series.lengths[index] + Moments([Double(fact.characters)])
        }
        return series
    }
}
