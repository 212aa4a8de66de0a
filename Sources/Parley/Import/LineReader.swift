import Foundation

/// Reads a file line by line in fixed-size chunks, so that a file of any size needs only one line in memory.
///
/// Lines end at `\n`; a `\r` before it is dropped (CRLF files), and so is a UTF-8 byte order mark at the start.
/// A line longer than `maxLineBytes` is reported as `.tooLong` and skipped up to its end. Not thread-safe.
final class LineReader {
    /// One line: its bytes without the line break, or the fact that it was too long to keep.
    enum Line: Equatable {
        case bytes([UInt8])
        case tooLong
    }

    private let handle: FileHandle
    private let chunkSize: Int
    let maxLineBytes: Int
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    private var atStart = true
    private var peeked: (number: Int, line: Line)?
    /// The number of the last line returned, starting at 1.
    private(set) var lineNumber = 0

    init(handle: FileHandle, chunkSize: Int = 64 * 1024, maxLineBytes: Int = 16 << 20) {
        self.handle = handle
        self.chunkSize = chunkSize
        self.maxLineBytes = maxLineBytes
    }

    /// The next line and its number, or nil at the end of the file.
    /// - Throws: the file handle's read error.
    func next() throws -> (number: Int, line: Line)? {
        if let peeked {
            self.peeked = nil
            return peeked
        }
        guard let line = try readLine() else { return nil }
        lineNumber += 1
        return (lineNumber, line)
    }

    /// The next line without consuming it.
    func peek() throws -> (number: Int, line: Line)? {
        if peeked == nil { peeked = try next() }
        return peeked
    }

    private func readLine() throws -> Line? {
        var skipping = false
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                var end = newline
                if end > start, buffer[end - 1] == 0x0D { end -= 1 }
                let line = Array(buffer[start..<end])
                start = newline + 1
                compact()
                if skipping || line.count > maxLineBytes { return .tooLong }
                return .bytes(line)
            }
            if buffer.count - start > maxLineBytes {
                // Keep no more than the limit: drop what we have and remember to skip to the line's end.
                skipping = true
                buffer.removeAll(keepingCapacity: true)
                start = 0
            }
            if atEnd {
                guard start < buffer.count || skipping else { return nil }
                var line = Array(buffer[start...])
                if line.last == 0x0D { line.removeLast() }
                buffer.removeAll()
                start = 0
                return skipping ? .tooLong : .bytes(line)
            }
            let chunk = try handle.read(upToCount: chunkSize) ?? Data()
            if chunk.isEmpty {
                atEnd = true
            } else {
                buffer.append(contentsOf: chunk)
                if atStart {
                    atStart = false
                    if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { start += 3 }
                }
            }
        }
    }

    /// Drops consumed bytes once they make up most of the buffer, so the buffer stays about a chunk long.
    private func compact() {
        if start > chunkSize, start * 2 > buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
    }
}
