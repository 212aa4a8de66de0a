import CZlib

/// A streaming gzip compressor.
///
/// Not thread-safe: use from one task. `compress` returns what zlib produced so far; `finish` ends the member.
public final class GzipDeflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private var scratch: [UInt8]

    /// Creates a compressor at zlib `level` (1 fast … 9 small).
    /// - Throws: `GzipError` if zlib cannot be initialised.
    public init(level: Int32 = 6) throws {
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        scratch = [UInt8](repeating: 0, count: 32 * 1024)
        guard czlib_deflate_init_gzip(stream, level) == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw GzipError.initialization
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Compresses a whole buffer into one gzip member.
    public static func compress(_ bytes: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        let deflater = try GzipDeflater(level: level)
        var output = try deflater.compress(bytes)
        output += try deflater.finish()
        return output
    }

    /// Compresses the next chunk.
    /// - Parameter flush: emit everything so far (`Z_SYNC_FLUSH`), for streamed responses.
    public func compress(_ bytes: [UInt8], flush: Bool = false) throws -> [UInt8] {
        try run(bytes, mode: flush ? Z_SYNC_FLUSH : Z_NO_FLUSH)
    }

    /// Ends the gzip member and returns the remaining output.
    public func finish() throws -> [UInt8] {
        try run([], mode: Z_FINISH)
    }

    private func run(_ bytes: [UInt8], mode: Int32) throws -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count / 3 + 64)
        var input = bytes
        let inputCount = input.count
        let scratchCount = scratch.count
        try input.withUnsafeMutableBufferPointer { inputBuffer in
            stream.pointee.next_in = inputBuffer.baseAddress
            stream.pointee.avail_in = UInt32(inputCount)
            defer {
                stream.pointee.next_in = nil
                stream.pointee.avail_in = 0
            }
            while true {
                let (result, produced) = scratch.withUnsafeMutableBufferPointer { outputBuffer in
                    stream.pointee.next_out = outputBuffer.baseAddress
                    stream.pointee.avail_out = UInt32(scratchCount)
                    let result = deflate(stream, mode)
                    return (result, scratchCount - Int(stream.pointee.avail_out))
                }
                output.append(contentsOf: scratch[0..<produced])
                switch result {
                case Z_STREAM_END:
                    return
                case Z_OK, Z_BUF_ERROR:
                    // More output pending only when the scratch buffer was filled.
                    if produced < scratchCount && stream.pointee.avail_in == 0 && mode != Z_FINISH { return }
                    if result == Z_BUF_ERROR && produced == 0 { return }
                default:
                    throw GzipError.corruptData
                }
            }
        }
        return output
    }
}
