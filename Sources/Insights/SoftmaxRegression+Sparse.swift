extension SoftmaxRegression {
    /// Trains a model on sparse feature rows (e.g. bag-of-words counts), with the same objective as the dense
    /// `train`; the cost of an evaluation is proportional to the stored values, not to the width.
    /// - Parameter initial: Parameters to start from (warm start).
    /// - Precondition: one label per row, labels in `0..<classCount`, `classCount >= 2`.
    public static func train(
        sparse rows: SparseRows, labels: [Int], classCount: Int, sampleWeights: [Float]? = nil,
        options: Options = Options(), initial: SoftmaxRegression? = nil
    ) -> SoftmaxRegression {
        precondition(classCount >= 2, "SoftmaxRegression needs at least two classes")
        precondition(rows.count == labels.count, "SoftmaxRegression: one label per row")
        precondition(labels.allSatisfy { (0..<classCount).contains($0) }, "SoftmaxRegression: label out of range")
        let problem = SparseProblem(
            rows: rows, labels: labels, classCount: classCount,
            weights: rowWeights(labels: labels, classCount: classCount, sampleWeights: sampleWeights,
                                balance: options.balanceClasses),
            l2: options.l2)
        let d = rows.width
        var x: [Double]
        if let initial, initial.classCount == classCount, initial.dimension == d {
            x = initial.weights.map(Double.init) + initial.biases.map(Double.init)
        } else {
            x = [Double](repeating: 0, count: classCount * d + classCount)
        }
        _ = LBFGS.minimize(&x, options: LBFGS.Options(maxIterations: options.maxIterations)) { x, gradient in
            problem.evaluate(x, gradient: &gradient)
        }
        return SoftmaxRegression(
            classCount: classCount, dimension: d, weights: x[..<(classCount * d)].map(Float.init),
            biases: x[(classCount * d)...].map(Float.init))
    }

    /// Class probabilities of sparse rows: a `rows.count × classCount` row-major matrix.
    public func probabilities(sparse rows: SparseRows) -> [Float] {
        precondition(rows.width == dimension, "SoftmaxRegression: expected rows of width \(dimension)")
        let k = classCount
        var scores = [Float](repeating: 0, count: rows.count * k)
        for row in 0..<rows.count {
            for c in 0..<k {
                var z = biases[c]
                for entry in rows.starts[row]..<rows.starts[row + 1] {
                    z += rows.values[entry] * weights[c * dimension + Int(rows.columns[entry])]
                }
                scores[row * k + c] = z
            }
            Self.softmax(&scores, row: row, width: k)
        }
        return scores
    }

    /// The sparse objective: weighted mean cross-entropy plus the L2 penalty.
    struct SparseProblem {
        let rows: SparseRows
        let labels: [Int]
        let classCount: Int
        let weights: [Float]
        let l2: Double

        func evaluate(_ x: [Double], gradient: inout [Double]) -> Double {
            let k = classCount, d = rows.width
            for i in gradient.indices { gradient[i] = 0 }
            var loss = 0.0
            var z = [Double](repeating: 0, count: k)
            for row in 0..<rows.count {
                let range = rows.starts[row]..<rows.starts[row + 1]
                var top = -Double.infinity
                for c in 0..<k {
                    var score = x[k * d + c]
                    for entry in range { score += Double(rows.values[entry]) * x[c * d + Int(rows.columns[entry])] }
                    z[c] = score
                    top = max(top, score)
                }
                var sum = 0.0
                for c in 0..<k {
                    z[c] = exp(z[c] - top)
                    sum += z[c]
                }
                let weight = Double(weights[row]), label = labels[row]
                loss += weight * (log(sum) - log(z[label]))
                for c in 0..<k {
                    var g = z[c] / sum
                    if c == label { g -= 1 }
                    g *= weight
                    gradient[k * d + c] += g
                    for entry in range { gradient[c * d + Int(rows.columns[entry])] += g * Double(rows.values[entry]) }
                }
            }
            var penalty = 0.0
            for i in 0..<(k * d) {
                penalty += x[i] * x[i]
                gradient[i] += l2 * x[i]
            }
            return loss + 0.5 * l2 * penalty
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
