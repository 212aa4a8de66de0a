import ArgumentParser
import Foundation
import Parley
import Postgres
import Synchronization

/// `parley purge --older-than 90d [--project slug] [--dry-run]`: retention. Deletes conversations started before the
/// cutoff and everything derived from them, in small transactions (`ConversationPurger`), with progress on stderr.
struct Purge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete conversations started before a cutoff, with their embeddings, flags, triage items, …",
        discussion: """
            Runs in batches of --batch-size conversations, one short transaction each, so it can run while the \
            service serves and ingests. Safe to interrupt (Ctrl-C) and run again: it continues where it stopped.
            """)

    @OptionGroup var common: CommonOptions

    @Option(help: "Age of the oldest conversations kept: 90d (days), 12w (weeks) or 36h (hours), counted from now.")
    var olderThan: String

    @Option(help: "Only this project (slug); all projects by default.")
    var project: String?

    @Flag(help: "Count what would be deleted, per project, and delete nothing.")
    var dryRun = false

    @Option(help: "Conversations per transaction.")
    var batchSize = 5_000

    func validate() throws {
        _ = try Self.age(olderThan)
        guard (1...100_000).contains(batchSize) else {
            throw ValidationError("--batch-size must be from 1 to 100000 (got \(batchSize))")
        }
    }

    func run() async throws {
        let (configuration, logger) = try common.resolve()
        let cutoff = Date().addingTimeInterval(-(try Self.age(olderThan)))
        let stamp = ISO8601DateFormatter().string(from: cutoff)
        try await withDatabase(configuration, logger) { database in
            let projectID = try await existingProjectID(project, in: database)
            let purger = ConversationPurger(pool: database.pool, batchSize: batchSize)
            let counts = try await purger.count(before: cutoff, projectID: projectID)
            let total = counts.reduce(0) { $0 + $1.count }
            for (slug, count) in counts { print("\(slug)\t\(count)") }
            guard !dryRun else {
                print("dry run: \(total) conversation(s) started before \(stamp) would be deleted")
                return
            }
            guard total > 0 else {
                print("nothing to delete: no conversation started before \(stamp)")
                return
            }
            Self.say("purge: deleting \(total) conversation(s) started before \(stamp), \(batchSize) per transaction")
            let lastLine = LastLine()
            let result = try await purger.purge(before: cutoff, projectID: projectID) { progress in
                guard lastLine.due() else { return }
                Self.say(String(format: "purge: %d/%d deleted (%.0f/s)", progress.deleted, total, progress.rate))
            }
            print(String(format: "deleted %d conversation(s) in %d batch(es), %.1f s (%.0f/s)",
                         result.deleted, result.batches, result.seconds, result.rate))
        }
    }

    /// Seconds in `90d`, `12w` or `36h`.
    static func age(_ text: String) throws -> TimeInterval {
        let units: [Character: Double] = ["h": 3_600, "d": 86_400, "w": 604_800]
        guard let unit = text.last.flatMap({ units[$0] }), let number = Int(text.dropLast()), number > 0,
              number <= 100_000 else {
            throw ValidationError("--older-than must be a positive number of hours, days or weeks: 36h, 90d, 12w "
                + "(got \"\(text)\")")
        }
        return Double(number) * unit
    }

    static func say(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// At most one progress line a second.
private final class LastLine: Sendable {
    private let last = Mutex(Date.distantPast)

    func due() -> Bool {
        last.withLock { last in
            guard Date().timeIntervalSince(last) >= 1 else { return false }
            last = Date()
            return true
        }
    }
}
