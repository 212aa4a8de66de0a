/// Splits a byte stream into lines, keeping at most one partial line (capped) in memory.
struct LineSplitter {
    struct Line {
        enum Content {
            case bytes([UInt8])
            case tooLong
        }
        var number: Int
        var content: Content
    }

    let maxLineBytes: Int
    private var partial: [UInt8] = []
    private var overflow = false
    private var number = 0

    init(maxLineBytes: Int) { self.maxLineBytes = maxLineBytes }

    mutating func push(_ bytes: [UInt8]) -> [Line] {
        var lines: [Line] = []
        var start = 0
        while let newline = bytes[start...].firstIndex(of: 0x0A) {
            append(bytes[start..<newline])
            lines.append(emit())
            start = newline + 1
        }
        append(bytes[start...])
        return lines
    }

    mutating func finish() -> Line? {
        guard !partial.isEmpty || overflow else { return nil }
        return emit()
    }

    private mutating func append(_ slice: ArraySlice<UInt8>) {
        guard !overflow else { return }
        if partial.count + slice.count > maxLineBytes {
            overflow = true
            partial = []
        } else {
            partial.append(contentsOf: slice)
        }
    }

    private mutating func emit() -> Line {
        number += 1
        defer {
            partial.removeAll(keepingCapacity: true)
            overflow = false
        }
        return Line(number: number, content: overflow ? .tooLong : .bytes(partial))
    }
}
