/// Bag-of-words features of short texts: lowercase word unigrams and bigrams weighted by sublinear TF-IDF,
/// each row scaled to unit L2 norm.
///
/// The vocabulary is the n-grams seen in at least `minimumDocumentFrequency` training texts. These features
/// carry the exact wording (say "top up" vs "transfer") that sentence embeddings blur, which is why the intent
/// classifier combines them with embeddings.
public struct LexicalFeatures: Codable, Sendable, Equatable {
    /// The n-grams, in column order.
    public let terms: [String]
    /// Inverse document frequency of every column: `ln((1 + n) / (1 + df)) + 1`.
    public let inverseDocumentFrequency: [Float]
    private let columns: [String: Int]

    /// Learns the vocabulary and IDF from training texts.
    public init(fitting texts: [String], minimumDocumentFrequency: Int = 2) {
        var frequency: [String: Int] = [:]
        for text in texts {
            for term in Set(Self.terms(of: text)) { frequency[term, default: 0] += 1 }
        }
        let kept = frequency.filter { $0.value >= minimumDocumentFrequency }.keys.sorted()
        let n = Float(texts.count)
        terms = kept
        inverseDocumentFrequency = kept.map { logf((1 + n) / (1 + Float(frequency[$0]!))) + 1 }
        columns = Dictionary(uniqueKeysWithValues: kept.enumerated().map { ($1, $0) })
    }

    /// Number of columns.
    public var width: Int { terms.count }

    /// The feature rows of `texts`.
    public func transform(_ texts: [String]) -> SparseRows {
        var rows = SparseRows(width: width)
        for text in texts {
            var counts: [Int: Int] = [:]
            for term in Self.terms(of: text) {
                if let column = columns[term] { counts[column, default: 0] += 1 }
            }
            var entries = counts.keys.sorted().map { column in
                (column: column, value: (1 + logf(Float(counts[column]!))) * inverseDocumentFrequency[column])
            }
            let norm = entries.reduce(0) { $0 + $1.value * $1.value }.squareRoot()
            if norm > 0 { entries = entries.map { ($0.column, $0.value / norm) } }
            rows.append(entries)
        }
        return rows
    }

    /// Lowercase alphanumeric words (keeping an apostrophe inside a word) and the bigrams of adjacent words.
    static func terms(of text: String) -> [String] {
        var words: [String] = [], word = ""
        for character in text.lowercased() {
            if character.isLetter || character.isNumber || (character == "'" && !word.isEmpty) {
                word.append(character)
            } else if !word.isEmpty {
                words.append(word.hasSuffix("'") ? String(word.dropLast()) : word)
                word = ""
            }
        }
        if !word.isEmpty { words.append(word.hasSuffix("'") ? String(word.dropLast()) : word) }
        var terms = words
        for i in words.indices.dropLast() { terms.append(words[i] + " " + words[i + 1]) }
        return terms
    }

    private enum CodingKeys: String, CodingKey {
        case terms, inverseDocumentFrequency
    }

    /// Decodes the vocabulary and rebuilds the term index.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        terms = try container.decode([String].self, forKey: .terms)
        inverseDocumentFrequency = try container.decode([Float].self, forKey: .inverseDocumentFrequency)
        guard terms.count == inverseDocumentFrequency.count else {
            throw DecodingError.dataCorruptedError(
                forKey: .inverseDocumentFrequency, in: container, debugDescription: "one IDF per term expected")
        }
        columns = Dictionary(terms.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Encodes the vocabulary and IDF.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(terms, forKey: .terms)
        try container.encode(inverseDocumentFrequency, forKey: .inverseDocumentFrequency)
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
