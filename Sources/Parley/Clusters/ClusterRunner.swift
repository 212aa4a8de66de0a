import Foundation
import Postgres

/// Runs a clustering run to its end in this process (for `parley cluster run` and benchmarks): queues the job
/// like the API does, works it with a worker that takes only `cluster` jobs, and reports progress until done.
public enum ClusterRunner {
    public struct Outcome: Sendable {
        public var jobID: Int
        public var status: String
        public var message: String
        public var error: String?
    }

    /// - Parameter progress: called about twice a second with the job's progress (0–100) and message.
    public static func run(context: AppContext, projectID: Int, clusters: Int?,
                           progress: (Int, String) -> Void) async throws -> Outcome {
        let queue = JobQueue(pool: context.pool)
        guard let jobID = try await ClusterRunJob.enqueue(projectID: projectID, clusters: clusters,
                                                          reason: "requested from the command line", on: queue) else {
            throw ClusterRunnerError.alreadyRunning
        }
        let handler = ClusterRunJob(provider: context.embedders, assignments: context.clusterAssignments,
                                    llm: context.configuration.llm)
        let worker = JobWorker(pool: context.pool, conninfo: context.database.conninfo, handlers: [handler],
                               logger: context.logger)
        let running = Task { try await worker.run() }
        defer { running.cancel() }
        while true {
            let row = try await context.pool.query("""
                SELECT status, progress, coalesce(progress_message, ''), error FROM jobs WHERE id = \(jobID)
                """).first!
            let (status, percent, message, error) = try row.decode((String, Int, String, String?).self)
            progress(percent, message)
            if ["succeeded", "dead", "cancelled"].contains(status) {
                await worker.stop()
                _ = await running.result
                return Outcome(jobID: jobID, status: status, message: message, error: error)
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }
}

extension ClusterRunner {
    /// Assigns every embedded conversation without a cluster to its nearest one (normally done right after
    /// embedding and at the end of each run); returns how many were assigned.
    public static func assignMissing(context: AppContext, projectID: Int) async throws -> Int {
        let model = try await context.embedders.embedder().modelID
        return try await context.clusterAssignments.assignMissing(projectID: projectID, model: model, pool: context.pool)
    }
}

public enum ClusterRunnerError: Error, CustomStringConvertible {
    case alreadyRunning
    public var description: String { "a clustering run is already queued or running for this project" }
}
