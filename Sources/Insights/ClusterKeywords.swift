#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Cluster labels without an LLM: class-based TF-IDF (c-TF-IDF, Grootendorst 2022) over the member texts.
///
/// Each cluster's texts are one "class document". Terms are lowercase unigrams and bigrams of words (stop
/// words dropped; a bigram never spans one), kept when they occur in at least `minimumDocumentFrequency`
/// texts. A term's weight in cluster `c` is `tf(t, c) / |c| · log(1 + A / f(t))`, where `A` is the mean number
/// of terms per cluster and `f(t)` the term's frequency over all clusters.
public struct ClusterKeywords: Sendable {
    /// Terms kept per cluster.
    public var keywordsPerCluster: Int
    /// Texts a term must occur in, overall.
    public var minimumDocumentFrequency: Int

    /// A configuration.
    public init(keywordsPerCluster: Int = 10, minimumDocumentFrequency: Int = 2) {
        self.keywordsPerCluster = keywordsPerCluster
        self.minimumDocumentFrequency = minimumDocumentFrequency
    }

    /// One cluster's keywords, best first, and a short readable name.
    public struct Label: Sendable, Equatable {
        /// Terms with their c-TF-IDF weights, best first.
        public var keywords: [(term: String, weight: Double)]
        /// The top terms joined by " · ", e.g. `card activation · activate card`.
        public var name: String

        public init(keywords: [(term: String, weight: Double)], name: String) {
            self.keywords = keywords
            self.name = name
        }

        public static func == (a: Label, b: Label) -> Bool {
            a.name == b.name && a.keywords.map(\.term) == b.keywords.map(\.term)
        }
    }

    /// Labels for clusters `0..<clusterCount`; `assignments[i]` is the cluster of `texts[i]` (negative = none).
    public func labels(texts: [String], assignments: [Int], clusterCount: Int) -> [Label] {
        let tokenised = texts.map(Self.terms)
        var documentFrequency: [String: Int] = [:]
        for terms in tokenised { for term in Set(terms) { documentFrequency[term, default: 0] += 1 } }
        var counts = [[String: Int]](repeating: [:], count: clusterCount)
        for (terms, cluster) in zip(tokenised, assignments) where cluster >= 0 && cluster < clusterCount {
            for term in terms where documentFrequency[term, default: 0] >= minimumDocumentFrequency {
                counts[cluster][term, default: 0] += 1
            }
        }
        var frequency: [String: Int] = [:]
        var totalTerms = 0
        for clusterCounts in counts {
            for (term, count) in clusterCounts { frequency[term, default: 0] += count; totalTerms += count }
        }
        let average = Double(totalTerms) / Double(max(1, clusterCount))
        return counts.map { clusterCounts in
            let size = Double(max(1, clusterCounts.values.reduce(0, +)))
            let scored = clusterCounts.map { term, count in
                (term: term, weight: Double(count) / size * log(1 + average / Double(frequency[term] ?? 1)))
            }
            .sorted { $0.weight != $1.weight ? $0.weight > $1.weight : $0.term < $1.term }
            let top = Array(scored.prefix(keywordsPerCluster))
            return Label(keywords: top, name: Self.name(from: top.map(\.term)))
        }
    }

    /// Up to three top terms. A bigram replaces the chosen unigrams it contains ("top up" rather than "top · up"),
    /// and a term sharing a word with a chosen one is skipped.
    static func name(from terms: [String]) -> String {
        var chosen: [String] = []
        func words(_ term: String) -> Set<Substring> { Set(term.split(separator: " ")) }
        for term in terms {
            let own = words(term)
            let contained = chosen.indices.filter { words(chosen[$0]).isStrictSubset(of: own) }
            let others = chosen.indices.filter { !contained.contains($0) }
            if others.contains(where: { !words(chosen[$0]).isDisjoint(with: own) }) { continue }
            if let first = contained.first {
                for i in contained.reversed() { chosen.remove(at: i) }
                chosen.insert(term, at: first)
            } else if chosen.count < 3 {
                chosen.append(term)
            }
        }
        return chosen.joined(separator: " · ")
    }

    /// Lowercase word unigrams and bigrams of `text`, stop words removed.
    static func terms(_ text: String) -> [String] {
        var terms: [String] = []
        var previous: String?
        for token in Self.words(text) {
            guard !StopWords.english.contains(token), token.count > 1 else {
                previous = nil
                continue
            }
            terms.append(token)
            if let previous { terms.append(previous + " " + token) }
            previous = token
        }
        return terms
    }

    /// Runs of letters and digits (apostrophes inside a word are dropped), lowercased.
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        for character in text.lowercased() {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else if character == "'" || character == "’" {
                continue
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }
}
