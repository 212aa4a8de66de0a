/// Seeded, class-stratified ways to divide labelled rows: a held-out split, k folds, a k-shot sample.
///
/// Every function returns row indices (sorted) and is deterministic for a seed.
public enum StratifiedSplit {
    /// Splits rows into a training part and a held-out part with about `heldOutFraction` of every class.
    ///
    /// A class with at least two rows gives at least one to each side; a class with one row stays in training.
    public static func split(labels: [Int], heldOutFraction: Double, seed: UInt64) -> (train: [Int], heldOut: [Int]) {
        var generator = SplitMix64(seed: seed)
        var train: [Int] = [], heldOut: [Int] = []
        for rows in rowsByClass(labels) {
            let shuffled = shuffle(rows, &generator)
            var take = Int((Double(rows.count) * heldOutFraction).rounded())
            if rows.count >= 2 { take = min(max(take, 1), rows.count - 1) } else { take = 0 }
            heldOut += shuffled[..<take]
            train += shuffled[take...]
        }
        return (train.sorted(), heldOut.sorted())
    }

    /// Assigns every row to one of `folds` folds so each class is spread evenly over them.
    /// - Returns: The fold index (`0..<folds`) of every row.
    public static func folds(labels: [Int], folds: Int, seed: UInt64) -> [Int] {
        precondition(folds >= 2, "StratifiedSplit.folds needs at least two folds")
        var generator = SplitMix64(seed: seed)
        var fold = [Int](repeating: 0, count: labels.count)
        // Continue the round-robin across classes so small classes do not all start in fold 0.
        var next = 0
        for rows in rowsByClass(labels) {
            for row in shuffle(rows, &generator) {
                fold[row] = next % folds
                next += 1
            }
        }
        return fold
    }

    /// Up to `perClass` rows of every class, chosen at random (a k-shot training set).
    public static func sample(labels: [Int], perClass: Int, seed: UInt64) -> [Int] {
        var generator = SplitMix64(seed: seed)
        return rowsByClass(labels).flatMap { shuffle($0, &generator).prefix(perClass) }.sorted()
    }

    /// Row indices grouped by label, classes in ascending label order.
    private static func rowsByClass(_ labels: [Int]) -> [[Int]] {
        var groups: [Int: [Int]] = [:]
        for (row, label) in labels.enumerated() { groups[label, default: []].append(row) }
        return groups.keys.sorted().map { groups[$0]! }
    }

    private static func shuffle(_ rows: [Int], _ generator: inout SplitMix64) -> [Int] {
        var rows = rows
        for i in stride(from: rows.count - 1, to: 0, by: -1) {
            rows.swapAt(i, Int(generator.next() % UInt64(i + 1)))
        }
        return rows
    }
}
