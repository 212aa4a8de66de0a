import CZlib

/// A streaming gzip (or zlib) decompressor with a cap on the inflated size.
///
/// Feed compressed chunks in order; each call returns the bytes inflated so far. Concatenated gzip members
/// (as produced by `cat a.gz b.gz`) are decoded one after another. Not thread-safe: use from one task.
///
/// ```swift
/// let inflater = try GzipInflater(limit: 100 << 20)
/// for try await chunk in request.body.raw { lines.feed(try inflater.inflate(chunk)) }
/// try inflater.finish()
/// ```
public final class GzipInflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private var scratch: [UInt8]
    private let limit: Int
    /// Total inflated bytes so far.
    public private(set) var totalOut = 0
    /// Whether the input so far ends exactly at the end of a gzip member.
    public private(set) var isFinished = false

    /// Creates an inflater.
    /// - Parameter limit: most bytes the whole stream may inflate to; beyond it `inflate` throws.
    /// - Throws: `GzipError` if zlib cannot be initialised.
    public init(limit: Int = .max) throws {
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        scratch = [UInt8](repeating: 0, count: 32 * 1024)
        self.limit = limit
        guard czlib_inflate_init_auto(stream) == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw GzipError.initialization
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Inflates the next compressed chunk.
    /// - Returns: the bytes decoded from it (possibly none).
    /// - Throws: `GzipError` on corrupt data or when the limit is exceeded.
    public func inflate(_ chunk: [UInt8]) throws -> [UInt8] {
        guard !chunk.isEmpty else { return [] }
        var output: [UInt8] = []
        var input = chunk
        let inputCount = input.count
        try input.withUnsafeMutableBufferPointer { inputBuffer in
            stream.pointee.next_in = inputBuffer.baseAddress
            stream.pointee.avail_in = UInt32(inputCount)
            defer {
                stream.pointee.next_in = nil
                stream.pointee.avail_in = 0
            }
            try drain(into: &output)
        }
        return output
    }

    /// Checks that the stream ended at a member boundary.
    /// - Throws: `GzipError` when the compressed data was cut short.
    public func finish() throws {
        guard isFinished else { throw GzipError.truncated }
    }

    private func drain(into output: inout [UInt8]) throws {
        let scratchCount = scratch.count
        while true {
            if isFinished {
                guard stream.pointee.avail_in > 0 else { return }
                // A further gzip member follows (RFC 1952 §2.2): start decoding it.
                guard inflateReset(stream) == Z_OK else { throw GzipError.corruptData }
                isFinished = false
            }
            let (result, produced) = scratch.withUnsafeMutableBufferPointer { outputBuffer in
                stream.pointee.next_out = outputBuffer.baseAddress
                stream.pointee.avail_out = UInt32(scratchCount)
                let result = CZlib.inflate(stream, Z_NO_FLUSH)
                return (result, scratchCount - Int(stream.pointee.avail_out))
            }
            totalOut += produced
            guard totalOut <= limit else { throw GzipError.limitExceeded }
            output.append(contentsOf: scratch[0..<produced])
            switch result {
            case Z_STREAM_END:
                isFinished = true
            case Z_OK:
                if stream.pointee.avail_in == 0 && produced < scratchCount { return }
            case Z_BUF_ERROR:
                // No progress possible: all input consumed and no pending output.
                return
            default:
                throw GzipError.corruptData
            }
        }
    }
}
