import CLibPQ

extension PostgresConnection {
    /// Streams rows into `COPY … FROM STDIN` (text format) and returns the number of rows copied.
    ///
    /// ```swift
    /// let n = try await connection.copyIn("COPY items (name, note) FROM STDIN") { writer in
    ///     for item in items { writer.appendRow([item.name, item.note]) ; try await writer.flushIfNeeded() }
    /// }
    /// ```
    /// If `body` throws, the COPY is aborted (nothing is stored) and the error is rethrown.
    /// - Parameter statement: a `COPY … FROM STDIN` statement; COPY takes no bound parameters.
    public func copyIn(
        _ statement: PostgresQuery,
        _ body: (PostgresCopyWriter) async throws -> Void
    ) async throws -> Int {
        let (sql, binds) = statement.render()
        guard binds.isEmpty else { throw PostgresError(.badParameters, "COPY takes no parameters", query: sql) }
        try await onQueue {
            let handle = try self.usableHandle()
            guard let result = PQexecParams(handle, sql, 0, nil, nil, nil, nil, 0) else {
                throw self.failure(query: sql)
            }
            defer { PQclear(result) }
            guard PQresultStatus(result) == PGRES_COPY_IN else {
                try self.check(result, query: sql)
                throw PostgresError(.copyFailed, "statement did not start COPY FROM STDIN", query: sql)
            }
        }
        let writer = PostgresCopyWriter(connection: self)
        do {
            try await body(writer)
            try await writer.flush()
        } catch {
            _ = try? await finishCopy(abortReason: "aborted by client: \(error)", sql: sql)
            throw error
        }
        return try await finishCopy(abortReason: nil, sql: sql)
    }

    /// Sends one chunk of COPY data; `PQputCopyData` takes the UTF-8 byte count.
    func putCopyData(_ bytes: [UInt8]) async throws {
        try await onQueue {
            let handle = try self.usableHandle()
            let status = bytes.withUnsafeBytes { raw in
                PQputCopyData(handle, raw.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(raw.count))
            }
            guard status == 1 else { throw PostgresError(.copyFailed, self.errorMessage()) }
        }
    }

    /// Ends the COPY (or aborts it with a reason), then reads results until libpq has none left.
    private func finishCopy(abortReason: String?, sql: String) async throws -> Int {
        try await onQueue {
            let handle = try self.usableHandle()
            guard PQputCopyEnd(handle, abortReason) == 1 else {
                throw PostgresError(.copyFailed, self.errorMessage(), query: sql)
            }
            var firstError: PostgresError?
            var copied = 0
            while let result = PQgetResult(handle) {
                defer { PQclear(result) }
                if PQresultStatus(result) == PGRES_COMMAND_OK {
                    copied = PQcmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
                } else if firstError == nil {
                    firstError = self.serverError(result, query: sql)
                }
            }
            if let firstError { throw firstError }
            return copied
        }
    }
}

/// Buffers rows in COPY text format and sends them in large chunks.
///
/// Used by one task at a time, inside `PostgresConnection.copyIn`.
public final class PostgresCopyWriter {
    private let connection: PostgresConnection
    private var buffer: [UInt8] = []
    /// Rows appended so far.
    public private(set) var rowCount = 0
    /// Bytes that `flushIfNeeded` lets accumulate before sending.
    public var chunkSize = 256 * 1024

    init(connection: PostgresConnection) {
        self.connection = connection
        buffer.reserveCapacity(chunkSize + 4096)
    }

    /// Appends one row; `nil` fields are SQL NULL.
    public func appendRow(_ fields: [String?]) {
        var row = buffer
        buffer = []
        for (i, field) in fields.enumerated() {
            if i > 0 { row.append(UInt8(ascii: "\t")) }
            Self.appendField(field, to: &row)
        }
        row.append(UInt8(ascii: "\n"))
        buffer = row
        rowCount += 1
    }

    /// Appends one field in COPY text format: `\N` for NULL; backslash, tab, newline and CR escaped.
    /// Runs without special bytes are copied in one go.
    static func appendField(_ field: String?, to out: inout [UInt8]) {
        guard var field else {
            out.append(UInt8(ascii: "\\"))
            out.append(UInt8(ascii: "N"))
            return
        }
        field.withUTF8 { bytes in
            var runStart = 0
            for i in 0..<bytes.count {
                let escaped: UInt8
                switch bytes[i] {
                case UInt8(ascii: "\\"): escaped = UInt8(ascii: "\\")
                case UInt8(ascii: "\t"): escaped = UInt8(ascii: "t")
                case UInt8(ascii: "\n"): escaped = UInt8(ascii: "n")
                case UInt8(ascii: "\r"): escaped = UInt8(ascii: "r")
                default: continue
                }
                if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
                out.append(UInt8(ascii: "\\"))
                out.append(escaped)
                runStart = i + 1
            }
            if runStart < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...])) }
        }
    }

    /// Sends the buffer when it has grown past `chunkSize`.
    public func flushIfNeeded() async throws {
        if buffer.count >= chunkSize { try await flush() }
    }

    /// Sends whatever is buffered.
    public func flush() async throws {
        guard !buffer.isEmpty else { return }
        let chunk = buffer
        buffer.removeAll(keepingCapacity: true)
        try await connection.putCopyData(chunk)
    }
}
