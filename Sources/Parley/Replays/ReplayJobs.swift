import Foundation

/// The background jobs of replay sets (running a replay against an OpenAI-compatible endpoint).
enum ReplayJobs {
    static func handlers(configuration: Configuration) -> [any JobHandler] { [] }
}
