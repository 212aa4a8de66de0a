/// Character classes of the BERT basic tokenizer, as in HF `tokenization_bert.py` (`_is_whitespace`,
/// `_is_control`, `_is_punctuation`, `_is_chinese_char`) and the Rust `BertNormalizer`/`BertPreTokenizer`.
extension Unicode.Scalar {
    /// Removed by `_clean_text`: NUL, U+FFFD and every "C*" category except tab, newline and carriage return.
    @inline(__always)
    var isBertRemoved: Bool {
        let v = value
        if v < 0x80 { return BertASCII.table[Int(v)] == BertASCII.removed }
        if v == 0xFFFD { return true }
        switch properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }

    /// Separates words: ASCII space, tab, CR, LF, any "Zs", plus the line and paragraph separators that
    /// Python's `str.split()` (and Rust's `char::is_whitespace`) also split on.
    @inline(__always)
    var isBertWhitespace: Bool {
        let v = value
        if v < 0x80 { return BertASCII.table[Int(v)] == BertASCII.whitespace }
        if v == 0x2028 || v == 0x2029 { return true }
        return properties.generalCategory == .spaceSeparator
    }

    /// ASCII symbol ranges 33–47, 58–64, 91–96, 123–126 (so `$`, `+`, `^`, `` ` `` count) or any "P*" category.
    @inline(__always)
    var isBertPunctuation: Bool {
        let v = value
        if v < 0x80 { return BertASCII.table[Int(v)] == BertASCII.punctuation }
        switch properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// CJK Unified Ideographs blocks that BERT surrounds with spaces (not Hiragana, Katakana or Hangul).
    @inline(__always)
    var isBertCJK: Bool {
        let v = value
        return (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v)
            || (0x2B820...0x2CEAF).contains(v) || (0xF900...0xFAFF).contains(v)
            || (0x2F800...0x2FA1F).contains(v)
    }
}

/// A 128-entry class table so ASCII text never touches the Unicode property tables.
enum BertASCII {
    static let other: UInt8 = 0
    static let whitespace: UInt8 = 1
    static let removed: UInt8 = 2
    static let punctuation: UInt8 = 3

    static let table: [UInt8] = (0..<128).map { (v: Int) -> UInt8 in
        switch v {
        case 0x20, 0x09, 0x0A, 0x0D: return whitespace
        case 0..<0x20, 0x7F: return removed
        case 33...47, 58...64, 91...96, 123...126: return punctuation
        default: return other
        }
    }
}
