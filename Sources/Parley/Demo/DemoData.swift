import Foundation

/// Realistic public conversations for a demo project, spread over the last 30 days.
///
/// The data (HH-RLHF chats, MT-Bench and Vicuna-bench questions, Banking77 queries to a support bot; see
/// `Demo/Data/README.md` for sources and licences) is read at run time from a folder:
///
/// ```swift
/// let demo = try DemoData(directory: DemoData.locateDirectory())
/// let conversations = demo.conversations(now: Date(), seed: 42)
/// ```
public struct DemoData: Sendable {
    /// The folder the data was read from.
    public let directory: String
    let seeds: [DemoSeed]

    /// Models: the older one before day −12, the newer one after, both in use for a few days around it.
    public static let olderModel = "gpt-4o-mini-2024-07-18"
    public static let newerModel = "gpt-4o-2024-11-20"

    /// Reads every dataset in `directory`.
    /// - Throws: `DemoDataError` when a file is missing or unreadable.
    public init(directory: String) throws(DemoDataError) {
        self.directory = directory
        do {
            seeds = try Self.loadSeeds(directory: directory)
        } catch {
            throw DemoDataError(message: "cannot read the demo data in \(directory): \(error)")
        }
        guard !seeds.isEmpty else { throw DemoDataError(message: "no demo conversations in \(directory)") }
    }

    /// How many conversations `conversations(now:seed:)` returns.
    public var count: Int { seeds.count }

    /// Finds the data folder: `$PARLEY_DEMO_DATA`, then `Sources/Parley/Demo/Data` found by
    /// `ResourceLocator`, then `/usr/share/parley/demo`.
    /// - Throws: `DemoDataError` naming the places looked in.
    public static func locateDirectory() throws(DemoDataError) -> String {
        func isDirectory(_ path: String) -> Bool {
            var flag: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &flag) && flag.boolValue
        }
        if let path = ProcessInfo.processInfo.environment["PARLEY_DEMO_DATA"], !path.isEmpty {
            guard isDirectory(path) else { throw DemoDataError(message: "PARLEY_DEMO_DATA=\(path) is not a folder") }
            return path
        }
        if let path = try? ResourceLocator.folder(named: "Sources/Parley/Demo/Data") { return path }
        if isDirectory("/usr/share/parley/demo") { return "/usr/share/parley/demo" }
        throw DemoDataError(
            message: "no demo data: set PARLEY_DEMO_DATA, or run from the repository, "
                + "or install it in /usr/share/parley/demo")
    }

    /// Every demo conversation in the API shape, dated within the 30 days before `now`.
    ///
    /// The same `now` and `seed` always give the same conversations. Recent days are busier; conversations
    /// use `olderModel` until about day −12 and `newerModel` after; the support bot's prompt changes from
    /// `support-v1` to `support-v2` at day −15. About a third carry feedback, more often negative on refusals.
    /// - Parameters:
    ///   - now: the end of the 30-day window.
    ///   - seed: selects the pseudo-random dates, users and feedback.
    /// - Returns: conversation objects, oldest first.
    public func conversations(now: Date, seed: UInt64) -> [JSONValue] {
        var random = DemoRandom(seed: seed)
        let dated = seeds.enumerated().map { index, demo in
            (ago: Self.secondsAgo(using: &random), index: index, seed: demo)
        }
        return dated.sorted { ($0.ago, $0.index) > ($1.ago, $1.index) }.map { item in
            Self.conversation(item.seed, index: item.index, now: now, secondsAgo: item.ago, random: &random)
        }
    }
}

/// Why the demo data could not be found or read.
public struct DemoDataError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in words.
    public var message: String
    public var description: String { message }
}
