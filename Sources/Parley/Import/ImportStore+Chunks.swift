import Foundation
import Postgres

/// The uploaded file itself, kept in `import_chunks` until its job has read it, so that any instance's worker can
/// import a file that another instance received.
extension ImportStore {
    /// Bytes per stored chunk: one `bytea` value, small enough that writing or reading one never holds much memory.
    static let chunkBytes = 1 << 20

    /// Records an upload and stores its file as ordered chunks, in one transaction (an upload is there whole or not
    /// at all); returns its id.
    func create(projectID: Int, fileName: String, storedName: String, bytes: Data, format: String?,
                csvMapping: JSONValue?, uploadedBy: String) async throws -> Int {
        try await pool.withTransaction { connection in
            let id = try await connection.query("""
                INSERT INTO imports (project_id, file_name, stored_name, size_bytes, format, csv_mapping, uploaded_by)
                VALUES (\(projectID), \(fileName), \(storedName), \(bytes.count), \(format),
                        \(csvMapping?.serialized())::jsonb, \(uploadedBy))
                RETURNING id
                """).first?.decode(0, as: Int.self) ?? 0
            var seq = 0
            var start = bytes.startIndex
            while start < bytes.endIndex {
                let end = bytes.index(start, offsetBy: Self.chunkBytes, limitedBy: bytes.endIndex) ?? bytes.endIndex
                let chunk = Data(bytes[start..<end])
                try await connection.query(
                    "INSERT INTO import_chunks (import_id, seq, data) VALUES (\(id), \(seq), \(chunk))")
                seq += 1
                start = end
            }
            return id
        }
    }

    /// The chunk `seq` of an upload's file, or nil past its end.
    func chunk(importID: Int, seq: Int) async throws -> Data? {
        try await pool.query("SELECT data FROM import_chunks WHERE import_id = \(importID) AND seq = \(seq)")
            .first?.decode(0, as: Data.self)
    }

    /// How many chunks of an upload's file are stored (0 once its job has finished).
    func chunkCount(importID: Int) async throws -> Int {
        try await pool.query("SELECT count(*) FROM import_chunks WHERE import_id = \(importID)")
            .first?.decode(0, as: Int.self) ?? 0
    }

    /// Deletes an upload's file once its job is done with it, whatever the outcome.
    func deleteChunks(importID: Int) async throws {
        try await pool.query("DELETE FROM import_chunks WHERE import_id = \(importID)")
    }
}
