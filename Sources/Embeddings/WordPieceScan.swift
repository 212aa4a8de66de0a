import Foundation

/// One pass of the BERT-uncased basic tokenizer and WordPiece over a text, collecting token ids.
///
/// Mirrors HF `BertTokenizer` (`do_lower_case=True`, `tokenize_chinese_chars=True`): clean text, spaces around
/// CJK ideographs, split on whitespace, then per word lowercase + NFD + drop "Mn", split on punctuation, and
/// greedy longest-match-first WordPiece with `##` continuations. ASCII words never leave UTF-8 bytes; only
/// words with other scalars go through Foundation's NFD. Stops as soon as `limit` ids are collected.
///
/// Like HF's tokenizers, a special token written literally in the text (`[SEP]`, `[UNK]`, …, case-sensitive)
/// is matched on the raw text first and becomes that token's id, splitting whatever word it sits in.
struct WordPieceScan {
    /// A special token's ASCII spelling and its id.
    struct SpecialToken: Sendable {
        let spelling: [UInt8]
        let id: Int32
    }

    let vocabulary: WordPieceVocabulary
    let specialTokens: [SpecialToken]
    let unknownID: Int32
    let limit: Int
    let dropUnknown: Bool
    private(set) var output: [Int32] = []

    private var word: [Unicode.Scalar] = []
    private var wordIsASCII = true
    private var piece: [UInt8] = []
    /// Byte offset where each character of `piece` starts, followed by `piece.count`.
    private var boundaries: [Int] = [0]
    private var pending: [Int32] = []

    init(
        vocabulary: WordPieceVocabulary, specialTokens: [SpecialToken], unknownID: Int32, limit: Int,
        dropUnknown: Bool
    ) {
        self.vocabulary = vocabulary
        self.specialTokens = specialTokens
        self.unknownID = unknownID
        self.limit = limit
        self.dropUnknown = dropUnknown
        word.reserveCapacity(64)
        piece.reserveCapacity(128)
        boundaries.reserveCapacity(128)
        output.reserveCapacity(min(limit, 64))
    }

    private var isFull: Bool { output.count >= limit }

    mutating func run(_ text: String) {
        guard limit > 0 else { return }
        let scalars = text.unicodeScalars
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            index = scalars.index(after: index)
            let v = scalar.value
            if v == 0x5B, let (id, end) = matchSpecialToken(scalars, after: index) {
                flushWord()
                emit(id)
                if isFull { return }
                index = end
            } else if v < 0x80 {
                switch BertASCII.table[Int(v)] {
                case BertASCII.whitespace:
                    flushWord()
                    if isFull { return }
                case BertASCII.removed:
                    continue
                default:
                    word.append(scalar)
                }
            } else if scalar.isBertRemoved {
                continue
            } else if scalar.isBertWhitespace {
                flushWord()
                if isFull { return }
            } else if scalar.isBertCJK {
                flushWord()
                word.append(scalar)
                wordIsASCII = false
                flushWord()
                if isFull { return }
            } else {
                word.append(scalar)
                wordIsASCII = false
            }
        }
        flushWord()
    }

    /// The special token whose spelling starts with the `[` just before `start`, and the index after it.
    private func matchSpecialToken(
        _ scalars: String.UnicodeScalarView, after start: String.UnicodeScalarView.Index
    ) -> (Int32, String.UnicodeScalarView.Index)? {
        candidates: for token in specialTokens {
            var index = start
            for byte in token.spelling.dropFirst() {
                guard index < scalars.endIndex, scalars[index].value == UInt32(byte) else { continue candidates }
                index = scalars.index(after: index)
            }
            return (token.id, index)
        }
        return nil
    }

    private mutating func flushWord() {
        guard !word.isEmpty else { return }
        defer {
            word.removeAll(keepingCapacity: true)
            wordIsASCII = true
        }
        if wordIsASCII {
            for scalar in word {
                let byte = UInt8(truncatingIfNeeded: scalar.value)
                if BertASCII.table[Int(byte)] == BertASCII.punctuation {
                    flushPiece()
                    appendByte(byte)
                    flushPiece()
                } else {
                    appendByte(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
                }
            }
        } else {
            for scalar in Self.normalize(word) {
                if scalar.isBertPunctuation {
                    flushPiece()
                    appendScalar(scalar)
                    flushPiece()
                } else {
                    appendScalar(scalar)
                }
            }
        }
        flushPiece()
    }

    @inline(__always)
    private mutating func appendByte(_ byte: UInt8) {
        piece.append(byte)
        boundaries.append(piece.count)
    }

    private mutating func appendScalar(_ scalar: Unicode.Scalar) {
        if scalar.value < 0x80 {
            appendByte(UInt8(truncatingIfNeeded: scalar.value))
            return
        }
        let v = scalar.value
        if v < 0x800 {
            piece.append(UInt8(0xC0 | v >> 6))
        } else if v < 0x1_0000 {
            piece.append(UInt8(0xE0 | v >> 12))
            piece.append(UInt8(0x80 | (v >> 6) & 0x3F))
        } else {
            piece.append(UInt8(0xF0 | v >> 18))
            piece.append(UInt8(0x80 | (v >> 12) & 0x3F))
            piece.append(UInt8(0x80 | (v >> 6) & 0x3F))
        }
        piece.append(UInt8(0x80 | v & 0x3F))
        boundaries.append(piece.count)
    }

    /// WordPiece on the current punctuation-free piece, then clears it.
    private mutating func flushPiece() {
        let characters = boundaries.count - 1
        guard characters > 0 else { return }
        defer {
            piece.removeAll(keepingCapacity: true)
            boundaries.removeAll(keepingCapacity: true)
            boundaries.append(0)
        }
        guard !isFull else { return }
        guard characters <= WordPieceTokenizer.maxCharactersPerWord else {
            emit(unknownID)
            return
        }
        pending.removeAll(keepingCapacity: true)
        let maxBytes = vocabulary.maxTokenBytes
        let matched = piece.withUnsafeBufferPointer { bytes -> Bool in
            var start = 0
            while start < characters {
                var end = characters
                var found: Int32? = nil
                while start < end {
                    let from = boundaries[start]
                    let count = boundaries[end] - from
                    if count <= maxBytes,
                        let id = vocabulary.id(
                            of: UnsafeBufferPointer(rebasing: bytes[from..<from + count]), continuation: start > 0)
                    {
                        found = id
                        break
                    }
                    end -= 1
                }
                guard let id = found else { return false }
                pending.append(id)
                start = end
            }
            return true
        }
        if matched {
            for id in pending { emit(id) }
        } else {
            emit(unknownID)
        }
    }

    @inline(__always)
    private mutating func emit(_ id: Int32) {
        if isFull || (dropUnknown && id == unknownID) { return }
        output.append(id)
    }
}
