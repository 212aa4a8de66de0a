/// A text as an array of Unicode scalars, the unit every detector's offsets are counted in.
///
/// Offsets in Unicode scalars (code points) are what Python's `str` and PostgreSQL's `substr` count, so a span
/// reported by the API can be cut out of the message by any client without conversion.
struct ScalarText: Sendable {
    let scalars: [Unicode.Scalar]
    /// Lowercased scalars at the same offsets (a scalar whose lowercase form is several scalars stays as it is),
    /// with typographic apostrophes folded to `'`.
    let folded: [Unicode.Scalar]

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
        folded = scalars.map(Self.fold)
    }

    var count: Int { scalars.count }

    subscript(i: Int) -> Unicode.Scalar { scalars[i] }

    /// The scalar at `i`, or nil outside the text.
    func at(_ i: Int) -> Unicode.Scalar? { i >= 0 && i < scalars.count ? scalars[i] : nil }

    /// Whether the scalars from `i` are exactly `literal` (case-sensitive), without building a string.
    func matches(_ literal: String, at i: Int) -> Bool {
        guard i >= 0 else { return false }
        var j = i
        for s in literal.unicodeScalars {
            guard j < scalars.count, scalars[j] == s else { return false }
            j += 1
        }
        return true
    }

    func string(_ range: Range<Int>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[range.clamped(to: 0..<scalars.count)])
        return String(view)
    }

    /// The matched text with up to `context` scalars either side, on one line, `…` marking cuts.
    func excerpt(_ range: Range<Int>, context: Int = 40) -> String {
        let lower = max(0, range.lowerBound - context)
        let upper = min(scalars.count, range.upperBound + context)
        var text = string(lower..<upper)
        text = String(text.map { $0 == "\n" || $0 == "\r" || $0 == "\t" ? " " : $0 })
        return (lower > 0 ? "…" : "") + text + (upper < scalars.count ? "…" : "")
    }

    /// Scalar offsets of a range given in UTF-16 units (as `NSRegularExpression` reports them).
    func scalarRange(utf16 lower: Int, _ upper: Int) -> Range<Int> {
        var units = 0
        var start: Int?
        for (i, s) in scalars.enumerated() {
            if start == nil, units >= lower { start = i }
            if units >= upper { return (start ?? i)..<i }
            units += s.value > 0xFFFF ? 2 : 1
        }
        return (start ?? scalars.count)..<scalars.count
    }

    /// Whether `phrase` (already folded, lowercase) occurs at `i` in the folded text.
    func hasFolded(_ phrase: [Unicode.Scalar], at i: Int) -> Bool {
        guard i >= 0, i + phrase.count <= folded.count else { return false }
        for j in 0..<phrase.count where folded[i + j] != phrase[j] { return false }
        return true
    }

    /// Start offsets of `phrase` in the folded text where it stands as whole words: no letter or digit touches
    /// either end (a phrase that begins or ends with punctuation needs no boundary there; a `prefix` phrase may be
    /// followed by more letters, so "frustrat" finds "frustrating").
    func wordOccurrences(of phrase: [Unicode.Scalar], prefix: Bool = false, in range: Range<Int>? = nil) -> [Int] {
        guard let first = phrase.first, let last = phrase.last else { return [] }
        let bounds = (range ?? 0..<folded.count).clamped(to: 0..<folded.count)
        let needsStart = Self.isWord(first)
        let needsEnd = Self.isWord(last) && !prefix
        var found: [Int] = []
        var i = bounds.lowerBound
        while i + phrase.count <= bounds.upperBound {
            if folded[i] == first, hasFolded(phrase, at: i), !needsStart || !isWordScalar(at: i - 1),
               !needsEnd || !isWordScalar(at: i + phrase.count) {
                found.append(i)
                i += phrase.count
            } else {
                i += 1
            }
        }
        return found
    }

    /// Whether the scalar at `i` is a letter, digit or `_` (false outside the text).
    func isWordScalar(at i: Int) -> Bool {
        guard let s = at(i) else { return false }
        return Self.isWord(s)
    }

    static func isWord(_ s: Unicode.Scalar) -> Bool {
        s == "_" || s.properties.isAlphabetic || s.properties.numericType != nil
    }

    static func isASCIIDigit(_ s: Unicode.Scalar) -> Bool { s.value >= 48 && s.value <= 57 }
    static func isASCIIUpper(_ s: Unicode.Scalar) -> Bool { s.value >= 65 && s.value <= 90 }
    static func isASCIILower(_ s: Unicode.Scalar) -> Bool { s.value >= 97 && s.value <= 122 }
    static func isASCIILetter(_ s: Unicode.Scalar) -> Bool { isASCIIUpper(s) || isASCIILower(s) }
    static func isASCIIAlnum(_ s: Unicode.Scalar) -> Bool { isASCIILetter(s) || isASCIIDigit(s) }

    func isDigit(_ i: Int) -> Bool { at(i).map(Self.isASCIIDigit) ?? false }
    func isAlnum(_ i: Int) -> Bool { at(i).map(Self.isASCIIAlnum) ?? false }

    /// Lowercase, with ’ ‘ ʼ folded to `'`, keeping one scalar per scalar.
    static func fold(_ s: Unicode.Scalar) -> Unicode.Scalar {
        switch s.value {
        case 0x2019, 0x2018, 0x02BC: return "'"
        case 65...90: return Unicode.Scalar(s.value + 32) ?? s
        case 0..<128: return s
        default:
            let lower = s.properties.lowercaseMapping.unicodeScalars
            return lower.count == 1 ? lower.first ?? s : s
        }
    }

    /// A phrase as folded scalars, for `wordOccurrences`.
    static func foldedPhrase(_ text: String) -> [Unicode.Scalar] { text.unicodeScalars.map(fold) }
}
