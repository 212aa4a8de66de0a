import Foundation

/// The background jobs of version comparison and drift detection, and their schedule.
enum VersionJobs {
    static func handlers(configuration: Configuration) -> [any JobHandler] { [] }

    /// Starts whatever runs on a schedule in a process with workers (nil if nothing does).
    static func startSchedule(context: AppContext) -> Task<Void, Never>? { nil }
}
