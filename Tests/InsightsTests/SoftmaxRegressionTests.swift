import Foundation
import Testing

@testable import Insights

@Suite struct SoftmaxRegressionTests {
    @Test func separableBlobsAreClassifiedPerfectly() {
        let train = Fixtures.blobs(clusters: 5, perCluster: 40, dimension: 16, spread: 0.05, seed: 3)
        let test = Fixtures.blobs(clusters: 5, perCluster: 20, dimension: 16, spread: 0.05, seed: 3)
        let model = SoftmaxRegression.train(
            features: train.vectors, count: train.labels.count, dimension: 16, labels: train.labels, classCount: 5,
            options: .init(l2: 1e-4))
        #expect(model.predict(features: train.vectors, count: train.labels.count) == train.labels)
        #expect(model.predict(features: test.vectors, count: test.labels.count) == test.labels)
        let p = model.probabilities(for: Array(test.vectors[0..<16]))
        #expect(abs(p.reduce(0, +) - 1) < 1e-5)
        #expect(p[test.labels[0]] > 0.5)
    }

    @Test func binaryCaseLearnsTheSideOfAHyperplane() {
        // Label 1 when the first coordinate is positive.
        var generator = SplitMix64(seed: 11)
        var x: [Float] = [], y: [Int] = []
        for _ in 0..<200 {
            var v = (0..<4).map { _ in Fixtures.gaussian(&generator) }
            v[0] += v[0] > 0 ? 0.5 : -0.5
            x += v
            y.append(v[0] > 0 ? 1 : 0)
        }
        let model = SoftmaxRegression.train(features: x, count: 200, dimension: 4, labels: y, classCount: 2,
                                            options: .init(l2: 1e-4))
        #expect(model.predict(features: x, count: 200) == y)
        #expect(model.probabilities(for: [3, 0, 0, 0])[1] > 0.99)
        #expect(model.probabilities(for: [-3, 0, 0, 0])[1] < 0.01)
    }

    @Test func analyticGradientMatchesFiniteDifferences() {
        let data = Fixtures.blobs(clusters: 3, perCluster: 10, dimension: 5, spread: 0.4, seed: 5)
        let problem = SoftmaxRegression.Problem(
            features: data.vectors, count: 30, dimension: 5, labels: data.labels, classCount: 3,
            weights: SoftmaxRegression.rowWeights(labels: data.labels, classCount: 3,
                                                  sampleWeights: (0..<30).map { Float(1 + $0 % 3) }, balance: true),
            l2: 0.01)
        var generator = SplitMix64(seed: 9)
        let x = (0..<(3 * 5 + 3)).map { _ in Double(Fixtures.gaussian(&generator)) * 0.5 }
        var gradient = [Double](repeating: 0, count: x.count)
        _ = problem.evaluate(x, gradient: &gradient)
        var scratch = gradient
        for i in x.indices {
            let h = 1e-3
            var plus = x, minus = x
            plus[i] += h
            minus[i] -= h
            let numeric = (problem.evaluate(plus, gradient: &scratch) - problem.evaluate(minus, gradient: &scratch)) / (2 * h)
            #expect(abs(numeric - gradient[i]) < 2e-4 + 1e-2 * abs(numeric), "parameter \(i)")
        }
    }

    @Test func sparseObjectiveGradientMatchesFiniteDifferences() {
        var rows = SparseRows(width: 6)
        rows.append([(0, 0.6), (3, 0.8)])
        rows.append([(1, 1)])
        rows.append([(2, 0.5), (4, 0.5), (5, 0.7)])
        rows.append([(0, 1)])
        let problem = SoftmaxRegression.SparseProblem(
            rows: rows, labels: [0, 1, 2, 1], classCount: 3, weights: [0.25, 0.25, 0.25, 0.25], l2: 0.05)
        var generator = SplitMix64(seed: 2)
        let x = (0..<(3 * 6 + 3)).map { _ in Double(Fixtures.gaussian(&generator)) }
        var gradient = [Double](repeating: 0, count: x.count), scratch = gradient
        _ = problem.evaluate(x, gradient: &gradient)
        for i in x.indices {
            var plus = x, minus = x
            plus[i] += 1e-5
            minus[i] -= 1e-5
            let numeric = (problem.evaluate(plus, gradient: &scratch) - problem.evaluate(minus, gradient: &scratch)) / 2e-5
            #expect(abs(numeric - gradient[i]) < 1e-6, "parameter \(i)")
        }
    }

    @Test func strongerPenaltyGivesSmallerWeights() {
        let data = Fixtures.blobs(clusters: 3, perCluster: 20, dimension: 8, spread: 0.2, seed: 4)
        func norm(_ l2: Double) -> Float {
            SoftmaxRegression.train(features: data.vectors, count: 60, dimension: 8, labels: data.labels,
                                    classCount: 3, options: .init(l2: l2)).weights.reduce(0) { $0 + $1 * $1 }
        }
        #expect(norm(1e-1) < norm(1e-3))
    }

    @Test func weightsRoundTripThroughJSON() throws {
        let data = Fixtures.blobs(clusters: 3, perCluster: 10, dimension: 4, seed: 8)
        let model = SoftmaxRegression.train(features: data.vectors, count: 30, dimension: 4, labels: data.labels,
                                            classCount: 3)
        let decoded = try JSONDecoder().decode(SoftmaxRegression.self, from: JSONEncoder().encode(model))
        #expect(decoded == model)
        let broken = #"{"classCount": 3, "dimension": 4, "weights": "AAAAAA==", "biases": [0, 0, 0]}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SoftmaxRegression.self, from: Data(broken.utf8)) }
    }

    @Test func packedFloatsRoundTripExactly() throws {
        let values: [Float] = [0, -0, 1.5, -3.25e-7, .greatestFiniteMagnitude, 0.1, 42]
        for count in 0...values.count {
            let packed = PackedFloats(Array(values.prefix(count)))
            let decoded = try JSONDecoder().decode(PackedFloats.self, from: JSONEncoder().encode(packed))
            #expect(decoded.values.map(\.bitPattern) == packed.values.map(\.bitPattern))
        }
        #expect(Base64.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(Base64.encode(Array("fo".utf8)) == "Zm8=")
        #expect(Base64.decode("Zm9vYg==") == Array("foob".utf8))
        #expect(Base64.decode("Zm9v!mFy") == nil)
    }
}
