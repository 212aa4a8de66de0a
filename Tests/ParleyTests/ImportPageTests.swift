import Foundation
import HTTPServer
@testable import Parley
import Postgres
import TestSupport
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The Import page over HTTP with real `multipart/form-data` bodies, against the real database: files are stored
/// in PostgreSQL (`import_chunks`, so any instance's worker can read them), imported by the `import` job, then
/// deleted; the page accounts for every line.
@Suite struct ImportPageTests {
    /// A dashboard whose `PARLEY_HOME` is a fresh temporary folder.
    static func start() async throws -> (DashboardApp, URL) {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("parley-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let dashboard = try await DashboardApp.start { $0.home = home.path }
        return (dashboard, home.appendingPathComponent("imports"))
    }

    static func files(in folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    static let jsonl = """
        {"id": "imp-1", "model": "gpt-4o", "messages": [{"role": "user", "content": "Where is my parcel?"}, {"role": "assistant", "content": "It ships today."}]}
        {"id": "imp-2", "messages": [{"role": "user", "content": "Cancel my plan"}], "metadata": {"plan": "pro"}}

        {"id": "imp-3", "messages": [{"role": "user", "content": "Refund <script>alert(1)</script>"}]}
        {"id": "broken", "messages": [
        {"id": "no-messages", "model": "gpt-4o"}
        {"messages": [{"role": "user", "content": "no id: gets file name and line"}]}

        """

    @Test func uploadJSONLImportsAndAccountsForEveryLine() async throws {
        let (dashboard, folder) = try await Self.start()
        defer { Task { await dashboard.stop() } }
        let app = dashboard.app
        let reviewer = try await dashboard.signedIn("reviewer@example.com", role: .reviewer)

        let empty = try await reviewer.send("GET", "/import")
        #expect(empty.status == 200)
        #expect(empty.body.contains("enctype=\"multipart/form-data\""))
        #expect(empty.body.contains("No imports yet"))

        let reply = try await Self.upload(reviewer, file: "chats.jsonl", Data(Self.jsonl.utf8))
        #expect(reply.status == 303, "\(reply.body)")
        let location = try #require(reply.location)
        #expect(location.hasPrefix("/import/"))
        #expect(try await app.count("SELECT count(*) FROM import_chunks") == 1, "the file waits in PostgreSQL")
        #expect(Self.files(in: folder).isEmpty, "not on the disk of the server that received it")
        let queued = try await reviewer.send("GET", location)
        #expect(queued.status == 200)
        #expect(queued.body.contains("data-job-status=\"queued\""), "the page follows the job live")

        try await app.work(["import"])
        #expect(Self.files(in: folder).isEmpty, "the scratch copy is deleted once read")
        #expect(try await app.count("SELECT count(*) FROM import_chunks") == 0, "the file is deleted once read")
        let ids = try await app.database.pool.query("SELECT external_id FROM conversations ORDER BY external_id")
            .map { try $0.decode(0, as: String.self) }
        #expect(ids == ["chats.jsonl:7", "imp-1", "imp-2", "imp-3"])
        let row = try #require(try await app.database.pool.query("""
            SELECT status, read_count, created_count, duplicate_count, rejected_count, rejections::text, detected_format
            FROM imports
            """).first).decode((String, Int, Int, Int, Int, String, String).self)
        #expect(row.0 == "completed" && row.1 == 6 && row.2 == 4 && row.3 == 0 && row.4 == 2)
        #expect(row.5.contains("line 5: invalid JSON") && row.5.contains("line 6: messages"), "\(row.5)")
        #expect(row.6 == "jsonl")

        let done = try await reviewer.send("GET", location).body
        #expect(done.contains("Nothing lost"))
        #expect(done.contains("6 read = 4 new + 0 updated + 0 duplicate + 0 conflict + 2 rejected"))
        #expect(done.contains("<td class=\"num line-number\">5</td>"))
        #expect(done.contains("invalid JSON"))
        let list = try await reviewer.send("GET", "/import").body
        #expect(list.contains("chats.jsonl") && list.contains("done, with rejections"))

        // The same file again: nothing new, every valid record recognised as already stored.
        let again = try await Self.upload(reviewer, file: "chats.jsonl", Data(Self.jsonl.utf8))
        #expect(again.status == 303)
        try await app.work(["import"])
        #expect(try await app.count() == 4)
        let second = try #require(try await app.database.pool.query("""
            SELECT created_count, duplicate_count, rejected_count FROM imports ORDER BY id DESC LIMIT 1
            """).first).decode((Int, Int, Int).self)
        #expect(second == (0, 4, 2))

        // A file name is text, never markup.
        let hostile = "<img src=x onerror=alert(1)>.jsonl"
        let named = try await Self.upload(reviewer, file: hostile, Data(#"{"id": "named", "messages": [{"role": "user", "content": "hi"}]}"#.utf8))
        try await app.work(["import"])
        let shown = try await reviewer.send("GET", try #require(named.location)).body
        #expect(shown.contains("&lt;img src=x onerror=alert(1)&gt;.jsonl"))
        #expect(!shown.contains(hostile))

        // Gzip-compressed, in the OpenAI fine-tuning shape.
        let openai = """
            {"messages": [{"role": "user", "content": "Translate hello"}, {"role": "assistant", "content": "Bonjour"}], "tools": []}
            {"messages": [{"role": "user", "content": "Translate bye"}, {"role": "assistant", "content": "Au revoir"}]}
            """
        let compressed = try GzipDeflater.compress(Array(openai.utf8))
        #expect(try await Self.upload(reviewer, file: "tune.jsonl.gz", Data(compressed)).status == 303)
        try await app.work(["import"])
        #expect(try await app.count("SELECT count(*) FROM conversations WHERE external_id LIKE 'tune.jsonl:%'") == 2)
        let gz = try #require(try await app.database.pool.query("""
            SELECT detected_format, created_count FROM imports ORDER BY id DESC LIMIT 1
            """).first).decode((String, Int).self)
        #expect(gz == ("openai", 2))
        #expect(Self.files(in: folder).isEmpty)
        #expect(try await app.count("SELECT count(*) FROM import_chunks") == 0)
    }

    @Test func aFileOfSeveralChunksIsReadBackInOrder() async throws {
        let (dashboard, folder) = try await Self.start()
        defer { Task { await dashboard.stop() } }
        let app = dashboard.app
        let reviewer = try await dashboard.signedIn("reviewer@example.com", role: .reviewer)
        // About 2.6 MB: three chunks, with lines cut across chunk boundaries.
        let padding = String(repeating: "x", count: 900)
        let text = (0..<2_800).map {
            #"{"id": "big-\#($0)", "messages": [{"role": "user", "content": "question \#($0) \#(padding)"}]}"#
        }.joined(separator: "\n")
        #expect(try await Self.upload(reviewer, file: "big.jsonl", Data(text.utf8)).status == 303)
        #expect(try await app.count("SELECT count(*) FROM import_chunks") == 3)
        #expect(try await app.count("SELECT sum(length(data))::int8 FROM import_chunks") == text.utf8.count)
        try await app.work(["import"])
        let row = try #require(try await app.database.pool.query(
            "SELECT status, read_count, created_count, rejected_count FROM imports").first)
            .decode((String, Int, Int, Int).self)
        #expect(row == ("completed", 2_800, 2_800, 0), "\(row)")
        #expect(try await app.count("SELECT count(*) FROM conversations WHERE external_id = 'big-2799'") == 1)
        #expect(try await app.count("SELECT count(*) FROM import_chunks") == 0)
        #expect(Self.files(in: folder).isEmpty)
    }

    @Test func uploadCSVWithGuessedAndChosenColumns() async throws {
        let (dashboard, _) = try await Self.start()
        defer { Task { await dashboard.stop() } }
        let app = dashboard.app
        let admin = try await dashboard.signedIn("admin@example.com", role: .admin)

        let guessed = """
            id,prompt,response,region\r
            q-1,"My invoice, the one from May, is wrong","Sorry! Fixing it.",eu\r
            q-2,"Two
            lines",Sure,us\r
            q-3,only three fields,x\r

            """
        #expect(try await Self.upload(admin, file: "support.csv", Data(guessed.utf8)).status == 303)
        try await app.work(["import"])
        let stored = try await app.database.pool.query("""
            SELECT external_id, messages::text, metadata::text FROM conversations ORDER BY external_id
            """).map { try $0.decode((String, String, String).self) }
        #expect(stored.map(\.0) == ["q-1", "q-2"])
        #expect(stored.first?.1.contains("My invoice, the one from May, is wrong") == true)
        #expect(stored.first?.1.contains("\"assistant\"") == true)
        #expect(stored.first?.2.contains("\"region\": \"eu\"") == true, "\(stored.first?.2 ?? "")")
        let rejected = try #require(try await app.database.pool.query("""
            SELECT rejected_count, rejections::text, detected_format FROM imports
            """).first).decode((Int, String, String).self)
        #expect(rejected.0 == 1 && rejected.1.contains("has 3 fields; the header has 4") && rejected.2 == "csv")

        // Columns no guess finds, named in the form.
        let chosen = "ask,reply\nHow do I reset my password?,Use the link on the sign-in page.\n"
        let refused = try await Self.upload(admin, file: "odd.csv", Data(chosen.utf8))
        #expect(refused.location == "/import")
        #expect(try await ClusterPagesTests.flash(admin, "/import")?.text.contains("no column looks like the user") == true)
        let mapped = try await Self.upload(admin, file: "odd.csv", Data(chosen.utf8),
                                           fields: [("csv_user", "ask"), ("csv_assistant", "reply")])
        #expect(mapped.status == 303 && mapped.location?.hasPrefix("/import/") == true)
        try await app.work(["import"])
        #expect(try await app.count("SELECT count(*) FROM conversations WHERE external_id = 'odd.csv:2'") == 1)
        let page = try await admin.send("GET", try #require(mapped.location)).body
        #expect(page.contains("user → ask"))
    }

    @Test func badFilesAreRefusedClearlyAndStoreNothing() async throws {
        let (dashboard, folder) = try await Self.start()
        defer { Task { await dashboard.stop() } }
        let app = dashboard.app
        let reviewer = try await dashboard.signedIn("reviewer@example.com", role: .reviewer)
        let viewer = try await dashboard.signedIn("viewer@example.com", role: .viewer)

        let cases: [(String, [UInt8], String)] = [
            ("picture.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D], "looks like a binary file"),
            ("notes.txt", Array("just some words\nand more\n".utf8), "cannot tell the format"),
            ("empty.jsonl", [], "is empty"),
            ("fake.jsonl.gz", Array("{\"id\": 1}".utf8), "not gzip-compressed"),
        ]
        for (name, bytes, message) in cases {
            let reply = try await Self.upload(reviewer, file: name, Data(bytes))
            #expect(reply.status == 303 && reply.location == "/import", "\(name)")
            let flash = try await ClusterPagesTests.flash(reviewer, "/import")
            #expect(flash?.kind == "error" && flash?.text.contains(message) == true, "\(name): \(String(describing: flash))")
        }
        // A chosen format that does not fit the file.
        let wrong = try await Self.upload(reviewer, file: "data.jsonl", Data("a,b\n1,2\n".utf8), fields: [("format", "jsonl")])
        #expect(wrong.location == "/import")
        // No file part at all.
        #expect(try await Self.upload(reviewer, file: nil, Data()).location == "/import")
        #expect(try await app.count("SELECT count(*) FROM imports") == 0)
        #expect(try await app.count("SELECT count(*) FROM jobs WHERE kind = 'import'") == 0)
        #expect(Self.files(in: folder).isEmpty)

        // A gzip file whose content is cut short fails in the job, says why, and is deleted.
        let full = try GzipDeflater.compress(Array(Self.jsonl.utf8))
        #expect(try await Self.upload(reviewer, file: "cut.jsonl.gz", Data(full.prefix(full.count / 2))).status == 303)
        let job = try #require(try await app.database.pool.query("SELECT job_id FROM imports").first?.decode(0, as: Int.self))
        let result = try await app.finish(job: job)
        #expect(result.status == "dead")
        let failed = try #require(try await app.database.pool.query("SELECT status, error FROM imports").first)
            .decode((String, String?).self)
        #expect(failed.0 == "failed" && failed.1?.contains("gzip") == true, "\(failed)")
        #expect(try await reviewer.send("GET", "/import/1").body.contains("The import failed."))
        #expect(Self.files(in: folder).isEmpty)
        #expect(try await app.count("SELECT count(*) FROM import_chunks") == 0, "a failed import's file is deleted too")

        // Roles and CSRF.
        #expect(try await viewer.send("GET", "/import").status == 403)
        #expect(try await viewer.send("GET", "/import/1").status == 403)
        let forged = try await Self.upload(reviewer, file: "chats.jsonl", Data(Self.jsonl.utf8), csrf: "forged")
        #expect(forged.status == 403)
        let other = try await ProjectStore(pool: dashboard.pool).ensure(slug: "elsewhere")
        let outsider = try await dashboard.signedIn("outsider@example.com", role: .admin, projectID: other)
        #expect(try await outsider.send("GET", "/import/1").status == 404, "another project's import is not found")
    }

    /// Sends the upload form as a browser does: `multipart/form-data` with the page's CSRF token.
    static func upload(_ client: DashboardClient, file name: String?, _ content: Data, fields: [(String, String)] = [],
                       csrf: String? = nil) async throws -> DashboardClient.Reply {
        let page = try await client.send("GET", "/import").body
        let token = try csrf ?? #require(DashboardClient.csrfToken(in: page))
        let boundary = "----ParleyTest\(UUID().uuidString)"
        var body = Data()
        func add(_ text: String) { body.append(Data(text.utf8)) }
        for (field, value) in [("_csrf", token), ("format", "auto")] + fields {
            add("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"\r\n\r\n\(value)\r\n")
        }
        if let name {
            add("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\n")
            add("Content-Type: application/octet-stream\r\n\r\n")
            body.append(content)
            add("\r\n")
        }
        add("--\(boundary)--\r\n")
        return try await client.send("POST", "/import", body: body, contentType: "multipart/form-data; boundary=\(boundary)")
    }
}
