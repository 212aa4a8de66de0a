import ArgumentParser
import Foundation
import Parley

/// `parley cluster run`: a full clustering run of one project, in this process, with progress.
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster", abstract: "Cluster a project's conversations.", subcommands: [Run.self, Assign.self])

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run clustering now and wait for it (the same job as POST /api/v1/clusters/runs).")

        @OptionGroup var common: CommonOptions
        @Option(help: "Project slug.") var project: String
        @Option(help: "Number of clusters (default: chosen automatically).") var clusters: Int?

        func run() async throws {
            if let clusters, !(2...5_000).contains(clusters) { throw ValidationError("--clusters must be from 2 to 5000") }
            let (configuration, logger) = try common.resolve()
            try await withDatabase(configuration, logger) { database in
                let projectID = try await existingProjectID(project, in: database)
                let context = AppContext(configuration: configuration, database: database, logger: logger)
                let bar = ProgressBar(label: "clustering")
                let start = Date()
                let outcome = try await ClusterRunner.run(context: context, projectID: projectID, clusters: clusters) {
                    percent, message in bar.update(done: percent, total: 100, detail: message)
                }
                bar.finish()
                guard outcome.status == "succeeded" else {
                    throw ValidationError("clustering \(outcome.status): \(outcome.error ?? outcome.message)")
                }
                print(String(format: "%@ (%.1f s)", outcome.message, Date().timeIntervalSince(start)))
            }
        }
    }

    struct Assign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Assign embedded conversations that have no cluster yet to their nearest cluster.")

        @OptionGroup var common: CommonOptions
        @Option(help: "Project slug.") var project: String

        func run() async throws {
            let (configuration, logger) = try common.resolve()
            try await withDatabase(configuration, logger) { database in
                let projectID = try await existingProjectID(project, in: database)
                let context = AppContext(configuration: configuration, database: database, logger: logger)
                _ = try await context.embedders.embedder()  // load the model before timing
                let start = Date()
                let count = try await ClusterRunner.assignMissing(context: context, projectID: projectID)
                let seconds = Date().timeIntervalSince(start)
                print(String(format: "%d conversations assigned in %.2f s (%.0f/s)", count, seconds,
                             Double(count) / max(seconds, 0.001)))
            }
        }
    }
}
