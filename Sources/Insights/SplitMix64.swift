/// A small, fast, seedable random number generator (SplitMix64), so every run is reproducible for a seed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose sequence is fully determined by `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform Double in `[0, 1)`.
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// `count` distinct indices from `0..<n` (all of them, in order, when `count >= n`).
    mutating func sample(_ count: Int, from n: Int) -> [Int] {
        guard count < n else { return Array(0..<n) }
        var pool = Array(0..<n)
        for i in 0..<count {
            let j = i + Int(next() % UInt64(n - i))
            pool.swapAt(i, j)
        }
        return Array(pool[0..<count]).sorted()
    }
}
