import Synchronization

/// Compresses a streamed response on its way to the connection.
///
/// Output is produced as zlib fills its window (no flush per chunk), so small writes cost nothing on the
/// wire until enough has accumulated; the member is finished when the producer returns.
final class GzipStreamSink: ResponseBodySink {
    private let inner: ResponseBodyWriter
    private let deflater: Mutex<GzipDeflater>

    init(inner: ResponseBodyWriter, level: Int32) throws {
        self.inner = inner
        deflater = Mutex(try GzipDeflater(level: level))
    }

    func write(_ bytes: [UInt8]) async throws {
        let compressed = try deflater.withLock { try $0.compress(bytes) }
        try await inner.write(compressed)
    }

    /// Ends the gzip member and writes the rest.
    func finish() async throws {
        let tail = try deflater.withLock { try $0.finish() }
        try await inner.write(tail)
    }

    /// Wraps a stream producer so that everything it writes is gzip-compressed.
    static func compressing(
        _ produce: @escaping @Sendable (ResponseBodyWriter) async throws -> Void, level: Int32
    ) -> @Sendable (ResponseBodyWriter) async throws -> Void {
        { writer in
            let sink = try GzipStreamSink(inner: writer, level: level)
            try await produce(ResponseBodyWriter(sink: sink))
            try await sink.finish()
        }
    }
}
