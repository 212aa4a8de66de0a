/// One hit of a similarity search: the row of the matrix and its dot product with the query.
public struct SimilarityMatch: Sendable, Equatable, Hashable {
    /// Row index in the searched matrix.
    public let index: Int
    /// Dot product with the query (the cosine, when both are normalised).
    public let score: Float

    /// A hit.
    public init(index: Int, score: Float) {
        self.index = index
        self.score = score
    }
}

/// The `k` best matches seen so far, in a binary min-heap keyed by score (the root is the weakest kept match),
/// so a candidate that does not beat the root costs one comparison.
struct TopKSelection {
    let k: Int
    private(set) var heap: [SimilarityMatch] = []

    init(k: Int) {
        self.k = max(0, k)
        heap.reserveCapacity(self.k)
    }

    /// The score a candidate must exceed to enter (−∞ until `k` matches are kept).
    @inline(__always)
    var threshold: Float {
        heap.count < k ? -.infinity : heap[0].score
    }

    /// Offers a candidate; ties keep the lower index, as a stable sort would.
    mutating func insert(index: Int, score: Float) {
        guard k > 0 else { return }
        let candidate = SimilarityMatch(index: index, score: score)
        if heap.count < k {
            heap.append(candidate)
            siftUp(heap.count - 1)
        } else if Self.weaker(heap[0], than: candidate) {
            heap[0] = candidate
            siftDown(0)
        }
    }

    /// The kept matches, best first (higher score, then lower index).
    func sorted() -> [SimilarityMatch] {
        heap.sorted { Self.weaker($1, than: $0) }
    }

    /// Orders by score, and among equal scores treats the higher index as weaker.
    @inline(__always)
    static func weaker(_ a: SimilarityMatch, than b: SimilarityMatch) -> Bool {
        a.score < b.score || (a.score == b.score && a.index > b.index)
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.weaker(heap[child], than: heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            var weakest = left
            let right = left + 1
            if right < heap.count, Self.weaker(heap[right], than: heap[left]) { weakest = right }
            guard Self.weaker(heap[weakest], than: heap[parent]) else { return }
            heap.swapAt(weakest, parent)
            parent = weakest
        }
    }
}
