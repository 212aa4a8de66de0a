extension IntentClassifier {
    /// Stratified k-fold search of the intent classifier's hyper-parameters on training data.
    ///
    /// Each view's own parameter (L2 penalty, vote temperature) is chosen by that view's out-of-fold accuracy;
    /// the mixture weights are then chosen on a simplex grid by the mixture's out-of-fold accuracy.
    struct CrossValidation {
        let features: IntentFeatures
        let labels: [Int]
        let classCount: Int
        let options: Options

        /// The chosen hyper-parameters and the mixture's out-of-fold probabilities.
        func run() -> (Selection, [Float]) {
            let n = features.count, k = classCount
            let folds = max(2, options.folds ?? (n < 5000 ? 5 : 3))
            let fold = StratifiedSplit.folds(labels: labels, folds: folds, seed: options.seed)
            let denseL2 = options.denseL2.sorted(by: >), lexicalL2 = options.lexicalL2.sorted(by: >)
            let useLexical = features.texts != nil && !lexicalL2.isEmpty
            var denseOut = [[Float]](repeating: [Float](repeating: 0, count: n * k), count: denseL2.count)
            var lexicalOut = [[Float]](repeating: [Float](repeating: 0, count: n * k), count: lexicalL2.count)
            var voteOut = [[Float]](
                repeating: [Float](repeating: 0, count: n * k), count: options.temperatures.count)

            for f in 0..<folds {
                let trainRows = (0..<n).filter { fold[$0] != f }, testRows = (0..<n).filter { fold[$0] == f }
                guard !trainRows.isEmpty, !testRows.isEmpty else { continue }
                let train = features.rows(trainRows), test = features.rows(testRows)
                let trainLabels = trainRows.map { labels[$0] }

                // Dense view: a regularisation path from strong to weak, each fit warm-started from the last.
                var previous: SoftmaxRegression?
                let denseTest = test.dense
                for (i, l2) in denseL2.enumerated() {
                    let model = SoftmaxRegression.train(
                        features: train.dense, count: train.count, dimension: train.denseDimension,
                        labels: trainLabels, classCount: k,
                        options: .init(l2: l2, maxIterations: options.maxIterations), initial: previous)
                    scatter(model.probabilities(features: denseTest, count: test.count), testRows, into: &denseOut[i])
                    previous = model
                }
                if useLexical, let trainTexts = train.texts, let testTexts = test.texts {
                    let vocabulary = LexicalFeatures(fitting: trainTexts)
                    let trainRowsSparse = vocabulary.transform(trainTexts), testSparse = vocabulary.transform(testTexts)
                    var previous: SoftmaxRegression?
                    for (i, l2) in lexicalL2.enumerated() {
                        let model = SoftmaxRegression.train(
                            sparse: trainRowsSparse, labels: trainLabels, classCount: k,
                            options: .init(l2: l2, maxIterations: options.maxIterations), initial: previous)
                        scatter(model.probabilities(sparse: testSparse), testRows, into: &lexicalOut[i])
                        previous = model
                    }
                }
                let vote = NeighbourVote(
                    vectors: train.embeddings, labels: trainLabels, dimension: train.dimension, classCount: k,
                    k: options.neighbours)
                let similarities = vote.similarities(queries: test.embeddings, count: test.count)
                for (i, temperature) in options.temperatures.enumerated() {
                    scatter(vote.probabilities(similarities: similarities, count: test.count, temperature: temperature),
                            testRows, into: &voteOut[i])
                }
            }

            let bestDense = best(denseOut)
            let bestLexical = useLexical ? best(lexicalOut) : nil
            let bestVote = options.temperatures.isEmpty ? nil : best(voteOut)
            let views: [[Float]?] = [denseOut[bestDense], bestLexical.map { lexicalOut[$0] },
                                     bestVote.map { voteOut[$0] }]
            let (weights, accuracy) = mixtureWeights(views)
            var mixture = [Float](repeating: 0, count: n * k)
            for (view, weight) in zip(views, weights) where weight > 0 {
                guard let view else { continue }
                for i in mixture.indices { mixture[i] += Float(weight) * view[i] }
            }
            let selection = Selection(
                denseL2: denseL2[bestDense], lexicalL2: bestLexical.map { lexicalL2[$0] },
                temperature: bestVote.map { options.temperatures[$0] } ?? 0.02, weights: weights,
                crossValidatedAccuracy: accuracy)
            return (selection, mixture)
        }

        /// Writes the rows of `probabilities` (one per test row) into their places in `out`.
        private func scatter(_ probabilities: [Float], _ rows: [Int], into out: inout [Float]) {
            let k = classCount
            for (i, row) in rows.enumerated() {
                for c in 0..<k { out[row * k + c] = probabilities[i * k + c] }
            }
        }

        private func accuracy(_ probabilities: [Float]) -> Double {
            let predicted = ClassProbabilities.argmax(probabilities, width: classCount)
            return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(max(1, labels.count))
        }

        /// Index of the candidate with the best out-of-fold accuracy (the first, i.e. the most regularised, on ties).
        private func best(_ candidates: [[Float]]) -> Int {
            var bestIndex = 0, bestAccuracy = -1.0
            for (i, candidate) in candidates.enumerated() {
                let a = accuracy(candidate)
                if a > bestAccuracy {
                    bestAccuracy = a
                    bestIndex = i
                }
            }
            return bestIndex
        }

        /// Mixture weights on a simplex grid that maximise out-of-fold accuracy; absent views get weight 0.
        /// Ties keep the earliest grid point, which favours the dense view.
        private func mixtureWeights(_ views: [[Float]?]) -> ([Double], Double) {
            let steps = max(1, Int((1 / options.mixtureStep).rounded()))
            var bestWeights = [1.0, 0, 0], bestAccuracy = -1.0
            let n = labels.count, k = classCount
            var mixture = [Float](repeating: 0, count: n * k)
            for a in stride(from: steps, through: 0, by: -1) {
                for b in 0...(steps - a) {
                    let weights = [Double(a), Double(b), Double(steps - a - b)].map { $0 / Double(steps) }
                    if zip(views, weights).contains(where: { $0 == nil && $1 > 0 }) { continue }
                    for i in mixture.indices { mixture[i] = 0 }
                    for (view, weight) in zip(views, weights) where weight > 0 {
                        guard let view else { continue }
                        for i in mixture.indices { mixture[i] += Float(weight) * view[i] }
                    }
                    let a = accuracy(mixture)
                    if a > bestAccuracy + 1e-12 {
                        bestAccuracy = a
                        bestWeights = weights
                    }
                }
            }
            return (bestWeights, bestAccuracy)
        }
    }
}
