import CBLAS

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension SoftmaxRegression {
    /// The training objective: weighted mean cross-entropy plus the L2 penalty, and its gradient.
    ///
    /// Parameters are laid out as `classCount × dimension` weights followed by `classCount` biases. Rows are
    /// processed in parallel blocks, each with two `sgemm` calls (scores, then the weight gradient).
    struct Problem: Sendable {
        let features: [Float]
        let count: Int
        let dimension: Int
        let labels: [Int]
        let classCount: Int
        /// Row weights summing to 1.
        let weights: [Float]
        let l2: Double

        /// The objective at `x`; writes its gradient into `gradient`.
        func evaluate(_ x: [Double], gradient: inout [Double]) -> Double {
            let k = classCount, d = dimension
            let w = x[0..<(k * d)].map(Float.init)
            let b = x[(k * d)...].map(Float.init)
            let blockSize = 2048
            let blocks = (count + blockSize - 1) / blockSize
            // Each block writes its own loss and partial gradient, summed afterwards in a fixed order so the
            // result does not depend on scheduling.
            let partials = UnsafeMutablePointer<Float>.allocate(capacity: max(1, blocks) * (k * d + k))
            let losses = UnsafeMutablePointer<Double>.allocate(capacity: max(1, blocks))
            defer {
                partials.deallocate()
                losses.deallocate()
            }
            let sharedPartials = SharedPointer(partials), sharedLosses = SharedPointer(losses)
            features.withUnsafeBufferPointer { featureBuffer in
                let features = SharedConstPointer(featureBuffer.baseAddress!)
                Parallel.forEach(blocks) { block in
                    let start = block * blockSize, rows = min(blockSize, count - start)
                    let grad = sharedPartials.base + block * (k * d + k)
                    sharedLosses[block] = blockLoss(
                        start: start, rows: rows, features: features.base, w: w, b: b, gradient: grad)
                }
            }
            var loss = 0.0
            for i in 0..<gradient.count { gradient[i] = 0 }
            for block in 0..<blocks {
                loss += losses[block]
                let grad = partials + block * (k * d + k)
                for i in 0..<(k * d + k) { gradient[i] += Double(grad[i]) }
            }
            var penalty = 0.0
            for i in 0..<(k * d) {
                penalty += x[i] * x[i]
                gradient[i] += l2 * x[i]
            }
            return loss + 0.5 * l2 * penalty
        }

        /// Loss of rows `start..<start+rows`; writes their gradient (`k × d` weights then `k` biases).
        private func blockLoss(
            start: Int, rows: Int, features: UnsafePointer<Float>, w: [Float], b: [Float],
            gradient: UnsafeMutablePointer<Float>
        ) -> Double {
            let k = classCount, d = dimension
            let x = features + start * d
            var scores = [Float](repeating: 0, count: rows * k)
            var loss = 0.0
            scores.withUnsafeMutableBufferPointer { z in
                let z = z.baseAddress!
                for row in 0..<rows { for c in 0..<k { z[row * k + c] = b[c] } }
                w.withUnsafeBufferPointer { w in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(k), Int32(d), 1, x,
                                Int32(d), w.baseAddress, Int32(d), 1, z, Int32(k))
                }
                for row in 0..<rows {
                    let line = z + row * k
                    let label = labels[start + row]
                    let correct = line[label]
                    let logSumExp = SoftmaxRegression.softmax(line, width: k)
                    let weight = weights[start + row]
                    loss += Double(weight) * Double(logSumExp - correct)
                    // d loss / d score = weight · (p − onehot)
                    line[label] -= 1
                    for c in 0..<k { line[c] *= weight }
                }
                // Weight gradient Gᵀ·X (k × d); bias gradient = column sums of G.
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(d), Int32(rows), 1, z, Int32(k),
                            x, Int32(d), 0, gradient, Int32(d))
                for c in 0..<k {
                    var sum: Float = 0
                    for row in 0..<rows { sum += z[row * k + c] }
                    gradient[k * d + c] = sum
                }
            }
            return loss
        }
    }
}
