import CShim
import Foundation

extension EmbeddedPostgres {
    /// True when this process is root and PostgreSQL must run as another user.
    var runsAsOtherUser: Bool { geteuid() == 0 }

    /// Looks for `initdb`, `pg_ctl` and `postgres`: `pg_config --bindir`, then the newest
    /// `/usr/lib/postgresql/*/bin`, then `PATH`.
    static func findBinaries() throws -> String {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["PARLEY_PG_BIN"] { candidates.append(env) }
        if let bindir = try? capture("pg_config", ["--bindir"]), !bindir.isEmpty { candidates.append(bindir) }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap(Int.init).sorted(by: >)
        candidates += versions.map { "\(root)/\($0)/bin" }
        candidates += (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for dir in candidates {
            let needed = ["initdb", "pg_ctl", "postgres"]
            if needed.allSatisfy({ FileManager.default.isExecutableFile(atPath: dir + "/" + $0) }) {
                return dir
            }
        }
        throw PostgresError(
            .embedded,
            "PostgreSQL server programs (initdb, pg_ctl, postgres) were not found. Install them with "
                + "`sudo apt-get install postgresql` (or run `make deps`), or set DATABASE_URL to use an existing server.")
    }

    /// Creates a folder owned by the user PostgreSQL runs as, readable by it alone.
    func makeOwnedDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        if runsAsOtherUser {
            guard let user = getpwnam(configuration.rootRunsAs) else {
                throw PostgresError(
                    .embedded,
                    "running as root, the embedded PostgreSQL needs the unprivileged user '\(configuration.rootRunsAs)' "
                        + "(install the postgresql package, which creates it)")
            }
            guard chown(path, user.pointee.pw_uid, user.pointee.pw_gid) == 0 else {
                throw PostgresError(.embedded, "cannot hand \(path) to user \(configuration.rootRunsAs)")
            }
        }
        chmod(path, 0o700)
    }

    /// Runs a PostgreSQL program (as the unprivileged user when root) and returns its status and output.
    ///
    /// Not Foundation's `Process`: on Linux it notices the child's exit through a descriptor that the
    /// postmaster left behind by `pg_ctl start` inherits, so it would wait forever.
    func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, text: String) {
        let argv = runsAsOtherUser
            ? ["/usr/sbin/runuser", "-u", configuration.rootRunsAs, "--", program] + arguments
            : [program] + arguments
        let outputPath = NSTemporaryDirectory() + "parley-pg-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).out"
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let status = withCStrings(argv) { pointers in
            cshim_spawn_wait(argv[0], UnsafeMutablePointer(mutating: pointers).withMemoryRebound(
                to: UnsafeMutablePointer<CChar>?.self, capacity: argv.count + 1) { $0 }, outputPath,
                configuration.directory)
        }
        if status < 0 {
            throw PostgresError(.embedded, "cannot run \(argv[0]): \(String(cString: strerror(-status)))")
        }
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return (status, text)
    }

    /// Runs a command found on PATH and returns its trimmed standard output.
    static func capture(_ command: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [command] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return "" }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
