import Dispatch
import Foundation
import HTTPServer
import Postgres

/// The `import` job: imports a file uploaded from the dashboard (`/import`) into its project, then deletes it.
///
/// The file waits in PostgreSQL (`import_chunks`), so the worker of any instance can import it, not only the one
/// that received the upload. The job copies the chunks in order to a scratch file on its own machine
/// (`<PARLEY_HOME>/imports`), deletes the chunks and the scratch file when it finishes (completed, failed or
/// cancelled). Reading and parsing happen a batch at a time on the job's own queue (`ImportFile`); each batch goes
/// through `ConversationImporter` (the validation and idempotency of `parley import` and the API). Progress is the
/// share of the file's bytes read; the counts and the first rejected lines with their reasons are kept in the
/// `imports` row, so the page can show that every line read ended as stored, duplicate, conflict or rejected. A
/// `.gz` file is inflated next to its scratch copy first.
struct ImportJob: JobHandler {
    let kind = "import"
    /// `PARLEY_HOME`: scratch copies of the files are made in its `imports` folder.
    let home: String
    var limits = IngestLimits()
    /// Records read and stored per batch.
    var batchSize = 5_000
    /// Rejected lines kept with their reasons (all are counted).
    static let keptRejections = 100
    /// Most bytes a `.gz` upload may inflate to.
    static let maxInflatedBytes = 8 << 30

    /// The folder of this machine's scratch copies.
    static func directory(home: String) -> URL {
        URL(fileURLWithPath: home, isDirectory: true).appendingPathComponent("imports", isDirectory: true)
    }

    /// Queues the import of an upload; returns the job id.
    static func enqueue(importID: Int, projectID: Int, on queue: JobQueue) async throws -> Int? {
        try await queue.enqueue(kind: "import", projectID: projectID,
                                payload: .object(["import_id": .number(String(importID))]), maxAttempts: 1)
    }

    func run(_ job: Job, context: JobContext) async throws {
        guard let projectID = job.projectID, let importID = job.payload["import_id"]?.intValue else { return }
        let store = ImportStore(pool: context.pool)
        guard let upload = try await store.upload(importID, projectID: projectID) else { return }
        let directory = Self.directory(home: home)
        let path = directory.appendingPathComponent("\(importID)-\(UUID().uuidString.lowercased()).upload").path
        defer {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: path + ".inflated")
        }
        do {
            try await importFile(upload, from: path, store: store, projectID: projectID, context: context)
        } catch {
            // In a task of its own: a cancelled job's task would refuse the query.
            await Task { try? await store.deleteChunks(importID: importID) }.value
            throw error
        }
        try await store.deleteChunks(importID: importID)
    }

    /// Copies the file out of the database to `path` and imports it.
    private func importFile(_ upload: ImportStore.Upload, from path: String, store: ImportStore, projectID: Int,
                            context: JobContext) async throws {
        let importID = upload.id
        var counts = ImportStore.Counts()
        var rejections: [String] = []
        do {
            let file = ImportFile()
            try await context.report(progress: 1, message: "fetching \(upload.fileName)")
            var seq = 0
            try await file.create(path, directory: Self.directory(home: home).path)
            while let chunk = try await store.chunk(importID: importID, seq: seq) {
                try Task.checkCancellation()
                try await file.append(chunk)
                seq += 1
            }
            try await file.closeWriting()
            guard seq > 0 else {
                throw ImportError(.unreadable, line: 0, "the uploaded file is gone from the database")
            }
            var source = path
            var name = upload.fileName
            if name.lowercased().hasSuffix(".gz") {
                try await context.report(progress: 1, message: "decompressing \(name)")
                name = String(name.dropLast(3))
                source = path + ".inflated"
                try await file.inflate(path, to: source, limit: Self.maxInflatedBytes)
            }
            let format = try await file.open(source, fileName: name, format: upload.format.flatMap { ImportReader.Format(rawValue: $0) },
                                             mapping: Self.mapping(upload.csvMapping))
            try await store.start(importID: importID, detectedFormat: format.rawValue)
            try await context.report(progress: 1, message: "reading \(name)")
            let importer = ConversationImporter(pool: context.pool, validator: ConversationValidator(limits: limits))
            while let batch = try await file.next(batchSize) {
                try Task.checkCancellation()
                let summary = try await importer.run(batch.records, projectID: projectID)
                counts.add(summary)
                rejections += summary.errors.prefix(Self.keptRejections - rejections.count)
                try await store.record(importID: importID, counts: counts, rejections: rejections)
                let percent = batch.size > 0 ? Int(min(99, 1 + 98 * Double(batch.offset) / Double(batch.size))) : 99
                try await context.report(progress: percent, message: Self.message(counts))
            }
            try await store.record(importID: importID, counts: counts, rejections: rejections, status: "completed")
            try await context.report(progress: 100, message: Self.message(counts, done: true))
        } catch let error as ImportError {
            try await store.record(importID: importID, counts: counts, rejections: rejections, status: "failed",
                                   error: error.description)
            throw ImportJobError(message: "\(upload.fileName): \(error.description)")
        } catch is CancellationError {
            try? await store.record(importID: importID, counts: counts, rejections: rejections, status: "cancelled",
                                    error: "cancelled after \(counts.read) records")
            throw CancellationError()
        } catch {
            try? await store.record(importID: importID, counts: counts, rejections: rejections, status: "failed",
                                    error: Self.describe(error))
            throw error
        }
    }

    /// `12,000 read · 11,950 new · 30 duplicate · 20 rejected`.
    static func message(_ counts: ImportStore.Counts, done: Bool = false) -> String {
        var parts = ["\(Format.number(counts.read)) read", "\(Format.number(counts.created)) new"]
        if counts.updated > 0 { parts.append("\(Format.number(counts.updated)) updated") }
        if counts.duplicate > 0 { parts.append("\(Format.number(counts.duplicate)) duplicate") }
        if counts.conflict > 0 { parts.append("\(Format.number(counts.conflict)) conflict") }
        if counts.rejected > 0 { parts.append("\(Format.number(counts.rejected)) rejected") }
        return (done ? "done: " : "") + parts.joined(separator: " · ")
    }

    /// A failure the uploader can act on; database errors stay generic (their text goes to the log only).
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as ImportJobError: error.message
        case let error as GzipError: "the file is not valid gzip (\(error))"
        case is PostgresError: "the database failed while storing; see the server log"
        default: "\(error)"
        }
    }

    /// The CSV mapping stored with an upload (`{"user": …, "assistant": …}`), or nil to guess from the header.
    static func mapping(_ json: JSONValue?) -> ImportReader.CSVMapping? {
        guard let object = json?.objectValue, let user = object["user"]?.stringValue, !user.isEmpty else { return nil }
        func column(_ key: String) -> String? {
            guard let text = object[key]?.stringValue, !text.isEmpty else { return nil }
            return text
        }
        return ImportReader.CSVMapping(
            id: column("id"), userText: user, assistantText: column("assistant"), model: column("model"),
            timestamp: column("timestamp"), session: column("session"), userID: column("user_id"),
            metadata: object["metadata"]?.arrayValue?.compactMap(\.stringValue) ?? [])
    }
}

/// A whole-file failure of an import, in words for the uploader.
struct ImportJobError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// An import file read a batch at a time on its own serial queue, so that parsing never holds one of the
/// cooperative pool's threads.
final class ImportFile: @unchecked Sendable {
    /// One batch: records (or the errors of their lines), and how far into the file reading got.
    struct Batch: Sendable {
        var records: [Result<(line: Int, value: JSONValue), ImportError>]
        var offset: UInt64
        var size: UInt64
    }

    // Every stored property below is used on `queue` only.
    private let queue = DispatchQueue(label: "parley.import-file")
    private var reader: ImportReader?
    private var handle: FileHandle?
    private var size: UInt64 = 0
    private var output: FileHandle?

    /// Opens the file and reads its first line (CSV: its header).
    /// - Returns: the format the reader uses.
    /// - Throws: `ImportError` when the file cannot be read, its format cannot be told, or a CSV column is missing.
    func open(_ path: String, fileName: String, format: ImportReader.Format?,
              mapping: ImportReader.CSVMapping?) async throws -> ImportReader.Format {
        try await onQueue {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw ImportError(.unreadable, line: 0, "the scratch copy of the upload cannot be read")
            }
            self.handle = handle
            self.size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64) ?? 0
            let reader = try ImportReader(handle: handle, format: format, fileName: fileName, csvMapping: mapping,
                                          idPrefix: fileName)
            self.reader = reader
            return reader.format
        }
    }

    /// The next batch of up to `count` records, or nil at the end of the file.
    func next(_ count: Int) async throws -> Batch? {
        try await onQueue {
            guard let reader = self.reader else { return nil }
            var records: [Result<(line: Int, value: JSONValue), ImportError>] = []
            records.reserveCapacity(count)
            while records.count < count, let item = reader.next() {
                records.append(item.map { (line: $0.line, value: $0.conversation) })
            }
            guard !records.isEmpty else { return nil }
            let offset = (try? self.handle?.offset()) ?? self.size
            return Batch(records: records, offset: offset, size: self.size)
        }
    }

    /// Creates (or empties) the scratch file at `path`, readable by this process only, to `append` to.
    func create(_ path: String, directory: String) async throws {
        try await onQueue {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
                  let handle = FileHandle(forWritingAtPath: path) else {
                throw ImportError(.unreadable, line: 0, "cannot write a scratch copy of the uploaded file")
            }
            self.output = handle
        }
    }

    /// Appends bytes to the file opened by `create`.
    func append(_ bytes: Data) async throws {
        try await onQueue { try self.output?.write(contentsOf: bytes) }
    }

    /// Closes the file opened by `create`.
    func closeWriting() async throws {
        try await onQueue {
            try self.output?.close()
            self.output = nil
        }
    }

    /// Inflates a gzip file into `destination`, refusing more than `limit` bytes of output.
    func inflate(_ source: String, to destination: String, limit: Int) async throws {
        try await onQueue {
            guard let input = FileHandle(forReadingAtPath: source),
                  FileManager.default.createFile(atPath: destination, contents: nil),
                  let output = FileHandle(forWritingAtPath: destination) else {
                throw ImportError(.unreadable, line: 0, "cannot decompress the uploaded file")
            }
            defer {
                try? input.close()
                try? output.close()
            }
            let inflater = try GzipInflater(limit: limit)
            while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty {
                let bytes = try inflater.inflate(Array(chunk))
                if !bytes.isEmpty { try output.write(contentsOf: bytes) }
            }
            try inflater.finish()
        }
    }

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                dispatchPrecondition(condition: .onQueue(self.queue))
                continuation.resume(with: Result { try body() })
            }
        }
    }
}
