import Foundation

/// A WordPiece vocabulary (`vocab.txt`, one token per line, id = line number) indexed for fast lookup.
///
/// Tokens are kept as UTF-8 bytes in one buffer with an open-addressing hash table over them, so a lookup of
/// a byte range allocates nothing. Word-initial pieces and `##` continuation pieces live in two tables, so a
/// continuation lookup does not need to build the `##`-prefixed string.
public struct WordPieceVocabulary: Sendable {
    private let bytes: [UInt8]
    private let starts: [Int32]
    private let lengths: [Int32]
    private let initialSlots: [Int32]
    private let continuationSlots: [Int32]
    private let mask: Int

    /// Number of tokens (the number of lines of `vocab.txt`).
    public let count: Int
    /// The longest token, in UTF-8 bytes without the `##` prefix: longer substrings cannot match.
    let maxTokenBytes: Int

    /// Loads a `vocab.txt` file.
    /// - Throws: `EmbeddingsError` when the file cannot be read or holds no tokens.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw EmbeddingsError.unreadableFile(url.path, reason: "\(error)")
        }
        var lines: [ArraySlice<UInt8>] = []
        let all = [UInt8](data)
        var lineStart = 0
        for index in all.indices where all[index] == UInt8(ascii: "\n") {
            lines.append(all[lineStart..<index])
            lineStart = index + 1
        }
        if lineStart < all.count { lines.append(all[lineStart...]) }
        guard !lines.isEmpty else { throw EmbeddingsError.invalidVocabulary(url.path, reason: "no tokens") }
        self.init(
            tokens: lines.map { line in
                // HF `load_vocab` strips the trailing newline only; tolerate Windows line ends too.
                line.last == UInt8(ascii: "\r") ? Array(line.dropLast()) : Array(line)
            })
    }

    /// Builds a vocabulary from tokens in id order (UTF-8 bytes, `##` prefix included for continuations).
    public init(tokens: [[UInt8]]) {
        var bytes: [UInt8] = []
        var starts: [Int32] = []
        var lengths: [Int32] = []
        for token in tokens {
            starts.append(Int32(bytes.count))
            lengths.append(Int32(token.count))
            bytes.append(contentsOf: token)
        }
        var capacity = 16
        while capacity < tokens.count * 3 { capacity <<= 1 }
        let mask = capacity - 1
        var initial = [Int32](repeating: -1, count: capacity)
        var continuation = [Int32](repeating: -1, count: capacity)
        var maxBytes = 0
        // Inserted from the last id down, so a duplicated token resolves to its last line as in HF `load_vocab`.
        for (id, token) in tokens.enumerated().reversed() {
            let isContinuation = token.count > 2 && token[0] == 0x23 && token[1] == 0x23
            let key = isContinuation ? Array(token[2...]) : token
            maxBytes = max(maxBytes, key.count)
            let hash = key.withUnsafeBufferPointer { Self.hash($0) }
            var slot = hash & mask
            if isContinuation {
                while continuation[slot] >= 0 { slot = (slot + 1) & mask }
                continuation[slot] = Int32(id)
            } else {
                while initial[slot] >= 0 { slot = (slot + 1) & mask }
                initial[slot] = Int32(id)
            }
        }
        self.bytes = bytes
        self.starts = starts
        self.lengths = lengths
        self.initialSlots = initial
        self.continuationSlots = continuation
        self.mask = mask
        self.count = tokens.count
        self.maxTokenBytes = maxBytes
    }

    /// The id of a token given as a string (`"##ing"` for a continuation), or nil.
    public func id(of token: String) -> Int32? {
        var utf8 = Array(token.utf8)
        let isContinuation = utf8.count > 2 && utf8[0] == 0x23 && utf8[1] == 0x23
        if isContinuation { utf8.removeFirst(2) }
        return utf8.withUnsafeBufferPointer { id(of: $0, continuation: isContinuation) }
    }

    /// The token text of an id.
    public func token(of id: Int32) -> String? {
        guard id >= 0, Int(id) < count else { return nil }
        let start = Int(starts[Int(id)])
        return String(decoding: bytes[start..<start + Int(lengths[Int(id)])], as: UTF8.self)
    }

    /// Looks up a piece given as UTF-8 bytes; `continuation` selects the `##` table.
    @inline(__always)
    func id(of key: UnsafeBufferPointer<UInt8>, continuation: Bool) -> Int32? {
        let offset = continuation ? 2 : 0
        return (continuation ? continuationSlots : initialSlots).withUnsafeBufferPointer { slots in
            bytes.withUnsafeBufferPointer { stored in
                var slot = Self.hash(key) & mask
                while true {
                    let id = slots[slot]
                    if id < 0 { return nil }
                    let length = Int(lengths[Int(id)]) - offset
                    if length == key.count {
                        if length == 0 { return id }
                        let start = Int(starts[Int(id)]) + offset
                        if let base = stored.baseAddress, let probe = key.baseAddress,
                            memcmp(base + start, probe, length) == 0
                        {
                            return id
                        }
                    }
                    slot = (slot + 1) & mask
                }
            }
        }
    }

    /// FNV-1a over the bytes, finished with a multiply-shift mix so the low bits spread well.
    @inline(__always)
    private static func hash(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key {
            h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        h ^= h >> 29
        h = h &* 0xbf58_476d_1ce4_e5b9
        h ^= h >> 32
        return Int(truncatingIfNeeded: h)
    }
}
