/// Keeps cluster identity across runs: matches a new run's centroids to the previous run's one-to-one
/// (Hungarian algorithm on `1 − cos`), and explains the rest as new, vanished, split or merged clusters.
public struct ClusterMatching: Sendable {
    /// A matched pair needs at least this cosine similarity; below it the new cluster counts as new.
    public var threshold: Float
    /// An unmatched cluster this similar to a matched one on the other side is part of a split or merge.
    public var relatedThreshold: Float

    /// A configuration.
    public init(threshold: Float = 0.8, relatedThreshold: Float = 0.75) {
        self.threshold = threshold
        self.relatedThreshold = relatedThreshold
    }

    /// The outcome of matching `previous` clusters to `current` ones.
    public struct Outcome: Sendable, Equatable {
        /// `(previous, current, similarity)` pairs, one-to-one.
        public var matched: [Pair]
        /// Current clusters with no previous counterpart.
        public var new: [Int]
        /// Previous clusters with no current counterpart.
        public var vanished: [Int]
        /// A previous cluster and the current clusters (matched one first) it split into.
        public var splits: [(previous: Int, current: [Int])]
        /// A current cluster and the previous clusters (matched one first) merged into it.
        public var merges: [(current: Int, previous: [Int])]

        public static func == (a: Outcome, b: Outcome) -> Bool {
            a.matched == b.matched && a.new == b.new && a.vanished == b.vanished
                && a.splits.map(\.previous) == b.splits.map(\.previous) && a.splits.map(\.current) == b.splits.map(\.current)
                && a.merges.map(\.current) == b.merges.map(\.current) && a.merges.map(\.previous) == b.merges.map(\.previous)
        }
    }

    /// One matched pair.
    public struct Pair: Sendable, Equatable {
        public var previous: Int
        public var current: Int
        public var similarity: Float

        public init(previous: Int, current: Int, similarity: Float) {
            self.previous = previous
            self.current = current
            self.similarity = similarity
        }
    }

    /// Matches `previous` (`p × dimension`) to `current` (`c × dimension`) unit centroids.
    public func match(previous: [Float], current: [Float], dimension d: Int) -> Outcome {
        let p = d > 0 ? previous.count / d : 0
        let c = d > 0 ? current.count / d : 0
        guard p > 0, c > 0 else {
            return Outcome(matched: [], new: Array(0..<c), vanished: Array(0..<p), splits: [], merges: [])
        }
        var similarity = [Float](repeating: 0, count: p * c)
        previous.withUnsafeBufferPointer { a in
            current.withUnsafeBufferPointer { b in
                similarity.withUnsafeMutableBufferPointer { s in
                    guard let aBase = a.baseAddress, let bBase = b.baseAddress, let sBase = s.baseAddress else { return }
                    Gemm.similarities(aBase, rows: p, bBase, rows: c, dimension: d, into: sBase)
                }
            }
        }
        let assignment = Hungarian.solve(costs: similarity.map { Double(1 - $0) }, rows: p, columns: c)
        var matched: [Pair] = []
        var currentPartner = [Int?](repeating: nil, count: c)
        var previousPartner = [Int?](repeating: nil, count: p)
        for (old, column) in assignment.enumerated() {
            guard let column, similarity[old * c + column] >= threshold else { continue }
            matched.append(Pair(previous: old, current: column, similarity: similarity[old * c + column]))
            currentPartner[column] = old
            previousPartner[old] = column
        }
        let new = (0..<c).filter { currentPartner[$0] == nil }
        let vanished = (0..<p).filter { previousPartner[$0] == nil }
        // A new cluster close to a matched previous cluster is a piece split off it.
        var splits: [(previous: Int, current: [Int])] = []
        for pair in matched {
            let pieces = new.filter { similarity[pair.previous * c + $0] >= relatedThreshold }
            if !pieces.isEmpty { splits.append((pair.previous, [pair.current] + pieces)) }
        }
        // A vanished cluster close to a matched current cluster was merged into it.
        var merges: [(current: Int, previous: [Int])] = []
        for pair in matched {
            let parts = vanished.filter { similarity[$0 * c + pair.current] >= relatedThreshold }
            if !parts.isEmpty { merges.append((pair.current, [pair.previous] + parts)) }
        }
        return Outcome(matched: matched, new: new, vanished: vanished, splits: splits, merges: merges)
    }
}
