import Foundation
import HTTPServer

/// One submitted upload form: checks the file, stores it in PostgreSQL (`import_chunks`), queues its job.
///
/// Problems the uploader can fix (no file, empty, binary, unknown format, a CSV without a column for the user's
/// text) come back at once as a flash message on `/import`, and nothing is stored or queued.
struct ImportUpload {
    let page: Page
    let store: ImportStore

    /// The fields of the form besides the file.
    func field(_ name: String) -> String {
        guard let part = page.parts.first(where: { $0.name == name && $0.filename == nil }) else { return "" }
        return String(decoding: part.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func accept() async throws -> Response {
        guard let file = page.parts.first(where: { $0.name == "file" }) else {
            return try await refuse("Choose a file to import.")
        }
        let name = ImportUpload.displayName(file.filename ?? "")
        guard !name.isEmpty else { return try await refuse("Choose a file to import.") }
        guard !file.body.isEmpty else { return try await refuse("\(name) is empty.") }
        guard file.body.count <= ImportPages.maxUploadBytes else {
            return try await refuse("\(name) is \(ImportView.bytes(file.body.count)); the dashboard takes files up to "
                + "\(ImportView.bytes(ImportPages.maxUploadBytes)). Split it, compress it (.gz) or use `parley import`.")
        }
        let formatText = field("format")
        var format: ImportReader.Format?
        if !formatText.isEmpty, formatText != "auto" {
            guard let chosen = ImportReader.Format(rawValue: formatText) else {
                return try await refuse("Unknown format “\(formatText)”: choose JSONL, OpenAI chat JSONL or CSV.")
            }
            format = chosen
        }
        let mapping = csvMapping()
        let gzip = name.lowercased().hasSuffix(".gz")
        if gzip {
            guard file.body.starts(with: [0x1F, 0x8B]) else {
                return try await refuse("\(name) ends in .gz but is not gzip-compressed.")
            }
        } else if file.body.prefix(8_192).contains(0) {
            return try await refuse("\(name) looks like a binary file. Upload JSONL (one conversation per line), "
                + "OpenAI chat JSONL or CSV, optionally gzip-compressed (.gz).")
        }

        let bytes = Data(file.body)
        if !gzip {
            // Reading the first line now tells the uploader at once about an unknown format or a CSV header
            // without a column for the user's text (the job would fail the same way, later). The reader wants a
            // file: a private scratch copy, deleted at once.
            let name = name, format = format
            let problem = try await offThread { () -> String? in
                let path = FileManager.default.temporaryDirectory
                    .appendingPathComponent("parley-upload-\(UUID().uuidString.lowercased())").path
                guard FileManager.default.createFile(atPath: path, contents: bytes,
                                                     attributes: [.posixPermissions: 0o600]) else {
                    throw WebError(.internalServerError, message: "The upload could not be checked on the server.")
                }
                defer { try? FileManager.default.removeItem(atPath: path) }
                do {
                    let reader = try ImportReader(path: path, format: format, csvMapping: mapping?.mapping, idPrefix: name)
                    // A first line that is not JSON means another format, rather than one bad record.
                    if reader.format != .csv, case .failure(let error)? = reader.next(), error.code == .invalidJSON {
                        return "its first record is not JSON (\(error.description))"
                    }
                    return nil
                } catch {
                    return "\(error)"
                }
            }
            if let problem {
                return try await refuse("\(name) cannot be imported: \(ImportUpload.sentence(problem)) "
                    + "Choose the format, or for CSV the columns, below.")
            }
        }
        // The file goes to PostgreSQL, not this server's disk, so the worker of any instance can import it.
        let id = try await store.create(
            projectID: page.projectID, fileName: name, storedName: UUID().uuidString.lowercased() + ".upload",
            bytes: bytes, format: format?.rawValue, csvMapping: mapping?.json, uploadedBy: "user:\(page.user.id)")
        guard let job = try await ImportJob.enqueue(importID: id, projectID: page.projectID,
                                                    on: JobQueue(pool: page.pool)) else {
            throw WebError(.internalServerError, message: "The import could not be queued.")
        }
        try await store.attach(importID: id, jobID: job)
        return try await page.redirect(to: "/import/\(id)", flash: .init(
            "success", "Uploaded \(name) (\(ImportView.bytes(bytes.count))). Importing it now."))
    }

    /// The CSV columns chosen in the form, if the user's column was given.
    func csvMapping() -> (mapping: ImportReader.CSVMapping, json: JSONValue)? {
        let user = field("csv_user")
        guard !user.isEmpty else { return nil }
        var json: [String: JSONValue] = ["user": .string(user)]
        for (key, fieldName) in [("assistant", "csv_assistant"), ("id", "csv_id"), ("timestamp", "csv_timestamp"),
                                 ("model", "csv_model"), ("session", "csv_session"), ("user_id", "csv_user_id")] {
            let value = field(fieldName)
            if !value.isEmpty { json[key] = .string(value) }
        }
        let metadata = field("csv_metadata").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if !metadata.isEmpty { json["metadata"] = .array(metadata.map(JSONValue.string)) }
        guard let mapping = ImportJob.mapping(.object(json)) else { return nil }
        return (mapping, .object(json))
    }

    private func refuse(_ message: String) async throws -> Response {
        try await page.redirect(to: "/import", flash: .init("error", message))
    }

    /// The uploaded file's name as shown: its last path component, without control characters, at most 255.
    static func displayName(_ raw: String) -> String {
        let cleaned = String(String.UnicodeScalarView(raw.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }))
            .trimmingCharacters(in: .whitespaces)
        return String(cleaned.prefix(255))
    }

    static func sentence(_ text: String) -> String {
        text.hasSuffix(".") ? text : text + "."
    }
}
