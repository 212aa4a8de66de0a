import Insights

/// A deterministic generator (Insights' SplitMix64): the same seed gives the same demo on every platform,
/// which `SystemRandomNumberGenerator` cannot promise.
struct DemoRandom: RandomNumberGenerator {
    private var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    mutating func next() -> UInt64 { generator.next() }

    /// A uniform number in `0..<1`.
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// A uniform integer in `range`.
    mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &self) }

    /// One of `items` (which must not be empty).
    mutating func pick<T>(_ items: [T]) -> T { items[int(0..<items.count)] }
}
