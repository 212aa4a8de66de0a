import Foundation
import Postgres

/// The `imports` table: files uploaded from the dashboard, their job, and what importing them did (the files
/// themselves wait in `import_chunks`: `ImportStore+Chunks.swift`).
struct ImportStore: Sendable {
    let pool: PostgresPool

    /// One upload as the pages show it, with its job's live state.
    struct Upload: Sendable {
        var id: Int
        var jobID: Int?
        var fileName: String
        var storedName: String
        var sizeBytes: Int
        var format: String?
        var detectedFormat: String?
        var csvMapping: JSONValue?
        var status: String
        var counts: Counts
        var rejections: [String]
        var error: String?
        var uploadedBy: String
        var uploaderEmail: String?
        var createdAt: Date
        var startedAt: Date?
        var finishedAt: Date?
        /// The job's status, progress and message (nil once the job row is gone).
        var jobStatus: String?
        var jobProgress: Int
        var jobMessage: String
        var jobError: String?

        /// Whether the import is still waiting or running.
        var isActive: Bool { status == "queued" || status == "running" }
    }

    /// What importing did so far: every line read ends in exactly one of the other counts.
    struct Counts: Sendable, Equatable {
        var read = 0
        var created = 0
        var updated = 0
        var duplicate = 0
        var conflict = 0
        var rejected = 0

        mutating func add(_ summary: ConversationImporter.Summary) {
            read += summary.read
            created += summary.created
            updated += summary.updated
            duplicate += summary.duplicate
            conflict += summary.conflict
            rejected += summary.rejected
        }
    }

    /// Links the upload to the job that imports it.
    func attach(importID: Int, jobID: Int) async throws {
        try await pool.query("UPDATE imports SET job_id = \(jobID) WHERE id = \(importID)")
    }

    /// Marks the upload running with the format the reader detected.
    func start(importID: Int, detectedFormat: String) async throws {
        try await pool.query("""
            UPDATE imports SET status = 'running', detected_format = \(detectedFormat), started_at = now(),
                error = NULL
            WHERE id = \(importID)
            """)
    }

    /// Stores the counts and rejected lines so far (and the final status, when given).
    func record(importID: Int, counts: Counts, rejections: [String], status: String? = nil,
                error: String? = nil) async throws {
        try await pool.query("""
            UPDATE imports SET read_count = \(counts.read), created_count = \(counts.created),
                updated_count = \(counts.updated), duplicate_count = \(counts.duplicate),
                conflict_count = \(counts.conflict), rejected_count = \(counts.rejected),
                rejections = \(JSONValue.array(rejections.map(JSONValue.string)).serialized())::jsonb,
                status = coalesce(\(status), status), error = coalesce(\(error), error),
                finished_at = CASE WHEN \(status) IS NULL THEN finished_at ELSE now() END
            WHERE id = \(importID)
            """)
    }

    /// One upload of a project, or nil.
    func upload(_ id: Int, projectID: Int) async throws -> Upload? {
        try await uploads(projectID: projectID, id: id, limit: 1).first
    }

    /// The most recent uploads of a project (or the one with `id`), newest first.
    func uploads(projectID: Int, id: Int? = nil, limit: Int = 20) async throws -> [Upload] {
        let rows = try await pool.query("""
            SELECT i.id, i.job_id, i.file_name, i.stored_name, i.size_bytes, i.format, i.detected_format,
                   i.csv_mapping::text, i.status, i.read_count, i.created_count, i.updated_count, i.duplicate_count,
                   i.conflict_count, i.rejected_count, i.rejections::text, i.error, i.uploaded_by, u.email,
                   i.created_at, i.started_at, i.finished_at, j.status, coalesce(j.progress, 0),
                   coalesce(j.progress_message, ''), j.error
            FROM imports i
            LEFT JOIN jobs j ON j.id = i.job_id
            LEFT JOIN users u ON i.uploaded_by = 'user:' || u.id
            WHERE i.project_id = \(projectID) AND (\(id) IS NULL OR i.id = \(id))
            ORDER BY i.id DESC LIMIT \(limit)
            """)
        return try rows.map { row in
            func column<T: PostgresDecodable>(_ index: Int, _ type: T.Type = T.self) throws -> T {
                try row.decode(index, as: T.self)
            }
            let rejections: String = try column(15)
            let mapping: String? = try column(7)
            let reasons = (try? JSONParser.parse(rejections))?.arrayValue?.compactMap(\.stringValue) ?? []
            return Upload(
                id: try column(0), jobID: try column(1), fileName: try column(2), storedName: try column(3),
                sizeBytes: try column(4), format: try column(5), detectedFormat: try column(6),
                csvMapping: mapping.flatMap { try? JSONParser.parse($0) }, status: try column(8),
                counts: Counts(read: try column(9), created: try column(10), updated: try column(11),
                               duplicate: try column(12), conflict: try column(13), rejected: try column(14)),
                rejections: reasons, error: try column(16), uploadedBy: try column(17), uploaderEmail: try column(18),
                createdAt: try column(19), startedAt: try column(20), finishedAt: try column(21),
                jobStatus: try column(22), jobProgress: try column(23), jobMessage: try column(24),
                jobError: try column(25))
        }
    }
}
