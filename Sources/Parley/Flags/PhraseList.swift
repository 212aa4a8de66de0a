/// Phrases matched as whole words in folded (lowercase, apostrophe-normalised) text, each with a weight.
///
/// A phrase ending in `*` is a prefix: `frustrat*` finds "frustrated" and "frustrating".
struct PhraseList: Sendable {
    struct Entry: Sendable {
        let text: String
        let scalars: [Unicode.Scalar]
        let prefix: Bool
        let weight: Double
    }

    let entries: [Entry]

    init(_ phrases: [String], weight: Double = 1) {
        self.init(phrases.map { ($0, weight) })
    }

    init(_ weighted: [(String, Double)]) {
        entries = weighted.map { phrase, weight in
            let prefix = phrase.hasSuffix("*")
            let text = prefix ? String(phrase.dropLast()) : phrase
            return Entry(text: text, scalars: ScalarText.foldedPhrase(text), prefix: prefix, weight: weight)
        }
    }

    static func + (lhs: PhraseList, rhs: PhraseList) -> PhraseList { PhraseList(entries: lhs.entries + rhs.entries) }

    private init(entries: [Entry]) { self.entries = entries }

    /// Every occurrence in `range` of the text (the whole text when nil), in order of position; overlapping
    /// occurrences keep the longest.
    func occurrences(in text: ScalarText, range: Range<Int>? = nil) -> [(entry: Entry, range: Range<Int>)] {
        var found: [(entry: Entry, range: Range<Int>)] = []
        for entry in entries {
            for start in text.wordOccurrences(of: entry.scalars, prefix: entry.prefix, in: range) {
                var end = start + entry.scalars.count
                if entry.prefix { while text.isWordScalar(at: end) { end += 1 } }
                found.append((entry, start..<end))
            }
        }
        found.sort { ($0.range.lowerBound, -$0.range.count) < ($1.range.lowerBound, -$1.range.count) }
        var kept: [(entry: Entry, range: Range<Int>)] = []
        for item in found where !kept.contains(where: { $0.range.overlaps(item.range) }) { kept.append(item) }
        return kept
    }
}
