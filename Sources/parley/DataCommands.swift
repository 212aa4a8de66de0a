import ArgumentParser
import Foundation
import Parley
import Embeddings
import Postgres
import Logging

struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apikey", abstract: "Manage API keys.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key for a project (created if missing).")

        @OptionGroup var common: CommonOptions
        @Option(help: "Project slug (lowercase letters, digits and dashes).") var project: String
        @Option(help: "A name to recognise the key by.") var name: String = ""
        @Option(help: "Comma-separated scopes: ingest (send conversations), read (read them and insights), write (curate: clusters, intents, triage).")
        var scopes: String = "ingest,read"

        func run() async throws {
            let (configuration, logger) = try common.resolve()
            try await withDatabase(configuration, logger) { database in
                let projectID = try await ProjectStore(pool: database.pool).ensure(slug: project)
                let scopeList = scopes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                if let unknown = scopeList.first(where: { !APIKeyStore.scopes.contains($0) }) {
                    throw ValidationError("unknown scope '\(unknown)'; use \(APIKeyStore.scopes.joined(separator: ", "))")
                }
                let created = try await APIKeyStore(pool: database.pool).create(projectID: projectID, name: name,
                                                                                scopes: scopeList)
                print(created.key)
                FileHandle.standardError.write(Data(
                    "API key for project '\(project)' (shown once; store it now). Use: Authorization: Bearer <key>\n".utf8))
            }
        }
    }
}

extension APIKeyCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a project's API keys (prefixes only).")

        @OptionGroup var common: CommonOptions
        @Option(help: "Project slug.") var project: String

        func run() async throws {
            let (configuration, logger) = try common.resolve()
            try await withDatabase(configuration, logger) { database in
                let projectID = try await existingProjectID(project, in: database)
                let rows = try await database.pool.query("""
                    SELECT id, prefix, name, array_to_string(scopes, ','), created_at::text,
                           coalesce(last_used_at::text, 'never'), coalesce(revoked_at::text, '')
                    FROM api_keys WHERE project_id = \(projectID) ORDER BY id
                    """)
                print("id\tprefix\tname\tscopes\tcreated\tlast used\trevoked")
                for row in rows {
                    let (id, prefix, name, scopes, created, used, revoked) =
                        try row.decode((Int, String, String, String, String, String, String).self)
                    print("\(id)\t\(prefix)\t\(name)\t\(scopes)\t\(created)\t\(used)\t\(revoked)")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an API key (it stops working within 10 s).")

        @OptionGroup var common: CommonOptions
        @Option(help: "Project slug.") var project: String
        @Option(help: "The key's id (see `parley apikey list`).") var id: Int

        func run() async throws {
            let (configuration, logger) = try common.resolve()
            try await withDatabase(configuration, logger) { database in
                guard let projectID = try await ProjectStore(pool: database.pool).id(slug: project),
                      try await APIKeyStore(pool: database.pool).revoke(id: id, projectID: projectID) else {
                    throw ValidationError("no active key \(id) in project '\(project)'")
                }
                print("Revoked key \(id) of project '\(project)'.")
            }
        }
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import conversations from JSONL (API shape), OpenAI chat JSONL or CSV.")

    @OptionGroup var common: CommonOptions
    @Argument(help: "The file to import.") var file: String
    @Option(help: "Project slug (created if missing).") var project: String = "default"
    @Option(help: "jsonl, openai or csv (detected when omitted).") var format: String?
    @Option(help: "CSV: column of the conversation id.") var idColumn: String?
    @Option(help: "CSV: column of the user's message.") var userColumn: String?
    @Option(help: "CSV: column of the assistant's reply.") var assistantColumn: String?
    @Option(help: "CSV: column of the model name.") var modelColumn: String?
    @Option(help: "CSV: column of the time.") var timeColumn: String?
    @Option(help: "CSV: column of the session id.") var sessionColumn: String?
    @Option(help: "CSV: column of the end-user id.") var userIdColumn: String?
    @Option(help: "CSV: comma-separated columns to keep as metadata.") var metadataColumns: String?

    func run() async throws {
        let (configuration, logger) = try common.resolve()
        var parsedFormat: ImportReader.Format?
        if let format {
            guard let f = ImportReader.Format(rawValue: format.lowercased()) else {
                throw ValidationError("--format must be jsonl, openai or csv (got \"\(format)\")")
            }
            parsedFormat = f
        }
        var mapping: ImportReader.CSVMapping?
        if let userColumn {
            mapping = ImportReader.CSVMapping(
                id: idColumn, userText: userColumn, assistantText: assistantColumn, model: modelColumn,
                timestamp: timeColumn, session: sessionColumn, userID: userIdColumn,
                metadata: metadataColumns?.split(separator: ",").map(String.init) ?? [])
        }
        let reader: ImportReader
        do {
            reader = try ImportReader(path: file, format: parsedFormat, csvMapping: mapping)
        } catch {
            throw ValidationError(error.description)
        }
        try await withDatabase(configuration, logger) { database in
            let projectID = try await ProjectStore(pool: database.pool).ensure(slug: project)
            let progress = ProgressBar(label: "importing \(URL(fileURLWithPath: file).lastPathComponent)")
            let start = Date()
            let records = reader.lazy.map { $0.map { (line: $0.line, value: $0.conversation) } }
            let summary = try await ConversationImporter(
                pool: database.pool, validator: ConversationValidator(limits: configuration.ingestLimits)
            ).run(records, projectID: projectID) { s in
                progress.update(done: s.read, detail: "\(s.created) new, \(s.rejected) rejected")
            }
            progress.finish()
            let seconds = Date().timeIntervalSince(start)
            print("""
                Imported \(file) into project '\(project)' in \(String(format: "%.1f", seconds)) s:
                  \(summary.read) read, \(summary.created) created, \(summary.updated) updated, \
                \(summary.duplicate) duplicate, \(summary.conflict) conflict, \(summary.rejected) rejected
                """)
            for error in summary.errors { print("  \(error)") }
            if summary.rejected > summary.errors.count {
                print("  … and \(summary.rejected - summary.errors.count) more rejected lines")
            }
        }
    }
}

/// The id of the project with slug `slug`, or a usage error naming it.
func existingProjectID(_ slug: String, in database: Database) async throws -> Int {
    guard let id = try await ProjectStore(pool: database.pool).id(slug: slug) else {
        throw ValidationError("no project '\(slug)'")
    }
    return id
}

/// The id of the project `slug` names, nil when there is no slug (every project).
func existingProjectID(_ slug: String?, in database: Database) async throws -> Int? {
    guard let slug else { return nil }
    let id: Int = try await existingProjectID(slug, in: database)
    return id
}

/// Opens the database, migrates it, runs `body`, and closes it (stopping an embedded cluster it started).
func withDatabase(_ configuration: Configuration, _ logger: Logger,
                  _ body: (Database) async throws -> Void) async throws {
    try await operatorFacing {
        let database = try await Database.openMigrated(configuration: configuration, logger: logger)
        do {
            try await body(database)
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load public demo conversations (HH-RLHF, MT-Bench, Vicuna-bench, Banking77) into project 'demo'.")

    @OptionGroup var common: CommonOptions
    @Flag(help: "Do nothing when the database already holds conversations.") var ifEmpty = false
    @Option(help: "Seed of the deterministic spread over the last 30 days.") var seed: UInt64 = 42

    func run() async throws {
        let (configuration, logger) = try common.resolve()
        try await withDatabase(configuration, logger) { database in
            if ifEmpty, let count = try await database.pool.query("SELECT count(*) FROM conversations").first?
                .decode(0, as: Int.self), count > 0 {
                print("The database already holds \(count) conversations; demo data not loaded.")
                if let projectID = try await ProjectStore(pool: database.pool).id(slug: "demo") {
                    print(try await demoLogin(database: database, configuration: configuration, projectID: projectID))
                }
                return
            }
            let data: DemoData
            do {
                data = try DemoData(directory: try DemoData.locateDirectory())
            } catch let error as DemoDataError {
                throw ValidationError(error.description)
            }
            let projectID = try await ProjectStore(pool: database.pool).ensure(slug: "demo", name: "Demo")
            let conversations = data.conversations(now: Date(), seed: seed)
            let records = conversations.enumerated().map { Result<(line: Int, value: JSONValue), ImportError>.success((line: $0.offset + 1, value: $0.element)) }
            let progress = ProgressBar(label: "loading demo data")
            let summary = try await ConversationImporter(pool: database.pool).run(records, projectID: projectID) { s in
                progress.update(done: s.read, total: conversations.count, detail: "")
            }
            progress.finish()
            let key = try await APIKeyStore(pool: database.pool).create(projectID: projectID, name: "demo", scopes: APIKeyStore.scopes)
            print("""
                Demo data: \(summary.created) conversations created, \(summary.duplicate) already there, \
                \(summary.rejected) rejected, in project 'demo'.
                API key for project 'demo': \(key.key)
                """)
            print(try await demoLogin(database: database, configuration: configuration, projectID: projectID))
        }
    }
}

struct Models: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the embedding models installed under PARLEY_MODELS and verify them.")

    @Option(help: "Models folder (PARLEY_MODELS, default ~/.cache/parley/models).") var directory: String?

    /// The pinned SHA-256 of every model file (the same list as scripts/models.sh).
    static let checksums: [String: String] = [
        "all-MiniLM-L6-v2/model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        "all-MiniLM-L6-v2/vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
        "all-MiniLM-L6-v2/config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
        "potion-base-8M/model.safetensors": "f65d0f325faadc1e121c319e2faa41170d3fa07d8c89abd48ca5358d9a223de2",
        "potion-base-8M/vocab.txt": "1394523a67ddd404a825428018c0582a6998bcfa044ecbcbf1f4d71adb94c61c",
    ]

    func run() async throws {
        let configuration = try Configuration(environment: ProcessInfo.processInfo.environment)
        let root = directory ?? configuration.modelsDirectory
        print("Models in \(root):")
        var problems = 0
        for model in EmbeddingModel.allCases {
            let folder = root + "/" + model.folderName
            var notes: [String] = []
            for file in model.requiredFiles {
                let path = folder + "/" + file
                guard let handle = FileHandle(forReadingAtPath: path) else {
                    notes.append("\(file) missing")
                    continue
                }
                var hasher = SHA256()
                while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(chunk) }
                try? handle.close()
                if let expected = Self.checksums[model.folderName + "/" + file], hasher.finalize().hexString != expected {
                    notes.append("\(file) checksum mismatch")
                }
            }
            if notes.isEmpty {
                do {
                    let embedder = try EmbedderConfiguration(modelName: model.rawValue, modelsDirectory: root).makeEmbedder()
                    let vector = try embedder.embed("Parley checks its models.")
                    let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
                    if abs(norm - 1) > 1e-3 { notes.append("embedding is not normalised") }
                } catch {
                    notes.append("does not load: \(error)")
                }
            }
            problems += notes.isEmpty ? 0 : 1
            let mark = notes.isEmpty ? "ok" : notes.joined(separator: "; ")
            let active = model.rawValue == configuration.embedder ? " (configured)" : ""
            print("  \(model.rawValue)\(active): \(model.modelID), \(model.dimension) dimensions: \(mark)")
        }
        if problems > 0 {
            print("Run `make models` to fetch and verify the models.")
            throw ExitCode.failure
        }
    }
}
