import Embeddings
import Foundation
import Insights
import Postgres

/// The `intent_train` job: builds the zero-shot model from the intents' examples and, with enough human labels,
/// trains the supervised classifier, evaluates it on held-out labels against the active and zero-shot models, and
/// activates whichever wins. Every version is stored with its metrics and a note saying why it is (not) active.
/// One per project at a time (singleton key `intent_train:<project>`).
struct IntentTrainJob: JobHandler {
    let kind = "intent_train"
    let provider: EmbedderProvider
    let classifications: IntentClassifications
    /// Supervised training needs this many intents with `minimumLabels` labels each.
    var minimumIntents = 2
    var minimumLabels = 5
    var options = IntentClassifier.Options()

    @discardableResult
    static func enqueue(projectID: Int, reason: String, on queue: JobQueue) async throws -> Int? {
        try await queue.enqueue(kind: "intent_train", projectID: projectID,
                                payload: .object(["reason": .string(reason)]),
                                singletonKey: "intent_train:\(projectID)", maxAttempts: 2)
    }

    /// Held-out metrics of one model (all fractions in 0…1; nil when not measurable).
    struct Metrics: Codable, Sendable {
        /// Rows whose stored intent (nil = out of scope) equals the prediction after rejection: the comparison score.
        var score: Double?
        /// Top-1 accuracy and macro-F1 on in-scope rows, without rejection.
        var accuracy: Double?
        var macroF1: Double?
        /// In-scope rows accepted and right; out-of-scope rows rejected.
        var inScopeAccuracy: Double?
        var outOfScopeRecall: Double?
        var heldOut: Int?
        var trainedOn: Int?
        var examples: Int?
        var crossValidatedAccuracy: Double?
        var comparedWith: [String: Double]?
        /// Embedding views the supervised model reads: ["minilm", "potion", "words"] or without "potion".
        var views: [String]?
        enum CodingKeys: String, CodingKey {
            case score, accuracy, macroF1 = "macro_f1", inScopeAccuracy = "in_scope_accuracy",
                 outOfScopeRecall = "out_of_scope_recall", heldOut = "held_out", trainedOn = "trained_on", examples,
                 crossValidatedAccuracy = "cross_validated_accuracy", comparedWith = "compared_with", views
        }
    }

    /// Labelled conversations: vectors, texts and the labelled intent (nil = out of scope).
    struct Labelled: Sendable {
        var vectors: [Float] = []
        var texts: [String] = []
        var truth: [Int?] = []
    }

    func run(_ job: Job, context: JobContext) async throws {
        guard let projectID = job.projectID else { return }
        let pool = context.pool
        let embedder = try await provider.embedder()
        let embeddingModel = embedder.modelID
        try await context.report(progress: 5, message: "embedding the examples")
        let zeroShot = try await buildZeroShot(projectID: projectID, embedder: embedder, pool: pool)
        try await context.report(progress: 30, message: "loading labels")
        let labelCount = try await pool.query("SELECT count(*) FROM intent_labels WHERE project_id = \(projectID)")
            .first!.decode(0, as: Int.self)
        let labelled = try await loadLabels(projectID: projectID, model: embeddingModel, dimension: zeroShot?.dimension,
                                            pool: pool)
        // Supervised classes: intents with enough labels.
        var counts: [Int: Int] = [:]
        for case let id? in labelled.truth { counts[id, default: 0] += 1 }
        let classes = counts.filter { $0.value >= minimumLabels }.keys.sorted()
        var supervised: (model: IntentModel, metrics: Metrics)?
        var zeroShotMetrics = Metrics(examples: zeroShot?.examples)
        var activeMetrics: Metrics?
        let active = try await pool.withConnection { try await classifications.active(projectID: projectID, connection: $0) }
        if classes.count >= minimumIntents {
            try await context.report(progress: 40, message: "training on \(labelled.truth.count) labels")
            let result = try await trainSupervised(labelled, classes: classes)
            supervised = (result.model, result.metrics)
            let held = result.heldOut
            let heldVectors = held.flatMap { labelled.vectors[($0 * result.model.dimension)..<(($0 + 1) * result.model.dimension)] }
            let heldTexts = held.map { labelled.texts[$0] }, heldTruth = held.map { labelled.truth[$0] }
            if let zeroShot {
                let model = zeroShot.model
                let p = try await offThread { try model.predict(vectors: heldVectors, texts: heldTexts) }
                zeroShotMetrics = Self.evaluate(p, truth: heldTruth)
                zeroShotMetrics.examples = zeroShot.examples
            }
            if let active, active.embeddingModel == embeddingModel, active.model.dimension == result.model.dimension {
                let model = active.model
                let p = try await offThread { try model.predict(vectors: heldVectors, texts: heldTexts) }
                activeMetrics = Self.evaluate(p, truth: heldTruth)
            }
            supervised?.metrics.comparedWith = [:]
            if let score = zeroShotMetrics.score { supervised?.metrics.comparedWith?["zero_shot"] = score }
            if let score = activeMetrics?.score { supervised?.metrics.comparedWith?["active"] = score }
        }
        try await context.report(progress: 85, message: "saving models")
        let activeKind = active == nil ? nil : try await pool.query("""
            SELECT kind FROM intent_models WHERE id = \(active!.id)
            """).first?.decode(0, as: String.self)
        // Which one to activate, and why.
        var notes: (zeroShot: String, supervised: String) = ("", "")
        var activate: String?  // "zero_shot" | "supervised" | nil (keep the active one)
        let supervisedScore = supervised?.metrics.score ?? -1
        let zeroScore = zeroShotMetrics.score
        let activeScore = activeMetrics?.score
        if supervised != nil {
            let rivals = [zeroScore.map { ("zero-shot", $0) }, activeScore.map { ("active model \(active!.id)", $0) }]
                .compactMap { $0 }
            if let best = rivals.max(by: { $0.1 < $1.1 }), best.1 >= supervisedScore {
                notes.supervised = String(format: "not activated: held-out score %.3f does not beat %@ (%.3f)",
                                          supervisedScore, best.0, best.1)
            } else {
                activate = "supervised"
                notes.supervised = String(format: "activated: held-out score %.3f beats ", supervisedScore)
                    + (rivals.isEmpty ? "no rival" : rivals.map { String(format: "%@ %.3f", $0.0, $0.1) }.joined(separator: ", "))
            }
        }
        if zeroShot != nil {
            if activate == "supervised" {
                notes.zeroShot = "not activated: the supervised model of this run wins"
            } else if active == nil || activeKind == "zero_shot" {
                activate = "zero_shot"
                notes.zeroShot = active == nil ? "activated: first model" : "activated: replaces the previous zero-shot model"
            } else if let zeroScore, let activeScore, zeroScore > activeScore {
                activate = "zero_shot"
                notes.zeroShot = String(format: "activated: held-out score %.3f beats the active model (%.3f)",
                                        zeroScore, activeScore)
            } else {
                notes.zeroShot = "not activated: the supervised model \(active!.id) stays active"
            }
        }
        let saved = try await pool.withTransaction { connection -> Int? in
            var version = try await connection.query("""
                SELECT coalesce(max(version), 0) FROM intent_models WHERE project_id = \(projectID)
                """).first!.decode(0, as: Int.self)
            var activated: Int?
            var rows: [(IntentModel, Metrics, String, Bool)] = []
            if let zeroShot { rows.append((zeroShot.model, zeroShotMetrics, notes.zeroShot, activate == "zero_shot")) }
            if let supervised { rows.append((supervised.model, supervised.metrics, notes.supervised, activate == "supervised")) }
            if activate != nil {
                try await connection.query("UPDATE intent_models SET active = false WHERE project_id = \(projectID) AND active")
            }
            for (model, metrics, note, isActive) in rows {
                version += 1
                let metricsJSON = String(decoding: try JSONEncoder().encode(metrics), as: UTF8.self)
                let id = try await connection.query("""
                    INSERT INTO intent_models (project_id, version, kind, embedding_model, intent_ids, parameters,
                        threshold, metrics, active, note, labels_used)
                    VALUES (\(projectID), \(version), \(model.kind), \(embeddingModel), \(model.intentIDs),
                        \(try model.encoded()), \(model.threshold), \(metricsJSON)::jsonb, \(isActive), \(note),
                        \(labelCount))
                    RETURNING id
                    """).first!.decode(0, as: Int.self)
                if isActive { activated = id }
            }
            return activated
        }
        if saved != nil { try await IntentClassifyJob.enqueue(projectID: projectID, on: context.queue) }
        try await context.report(progress: 100, message: [
            zeroShot == nil ? "no examples: no zero-shot model" : "zero-shot: \(notes.zeroShot)",
            supervised == nil ? "supervised: needs \(minimumIntents) intents with \(minimumLabels) labels each"
                : "supervised: \(notes.supervised)",
        ].joined(separator: "; "))
    }

    /// The nearest-prototype model of the intents' examples, or nil when there are none. Examples taken from a
    /// conversation reuse its stored vector; the others are embedded.
    func buildZeroShot(projectID: Int, embedder: any Embedder, pool: PostgresPool) async throws
        -> (model: IntentModel, dimension: Int, examples: Int)?
    {
        let rows = try await pool.query("""
            SELECT x.intent_id, x.text, e.vector FROM intent_examples x
            LEFT JOIN conversation_embeddings e ON e.conversation_id = x.conversation_id AND e.model = \(embedder.modelID)
            WHERE x.project_id = \(projectID) ORDER BY x.intent_id, x.id
            """)
        guard !rows.isEmpty else { return nil }
        var intentIDs: [Int] = [], labels: [Int] = [], stored: [Data?] = [], toEmbed: [(Int, String)] = []
        for (row, record) in rows.enumerated() {
            let (intent, text, vector) = try record.decode((Int, String, Data?).self)
            if intentIDs.last != intent { intentIDs.append(intent) }
            labels.append(intentIDs.count - 1)
            stored.append(vector)
            if vector == nil { toEmbed.append((row, text)) }
        }
        var embedded: [Int: [Float]] = [:]
        var dimension = stored.compactMap { $0 }.first.map { $0.count / 4 } ?? 0
        if !toEmbed.isEmpty {
            let matrix = try await embedder.embedInBackground(toEmbed.map(\.1))
            dimension = matrix.dimension
            for (i, item) in toEmbed.enumerated() { embedded[item.0] = matrix.row(i) }
        }
        var vectors: [Float] = [], kept: [Int] = []
        for row in rows.indices {
            if let vector = embedded[row] { vectors += vector; kept.append(labels[row]) }
            else if let data = stored[row], VectorCodec.decode(data, dimension: dimension, into: &vectors) { kept.append(labels[row]) }
        }
        let examples = vectors, classLabels = kept, d = dimension, classCount = intentIDs.count, classIntents = intentIDs
        return try await offThread {
            let model = PrototypeClassifier(examples: examples, labels: classLabels, dimension: d, classCount: classCount)
            // Leave-one-out confidences of examples whose intent has others to stand for it.
            var sizes = [Int](repeating: 0, count: classCount)
            for label in classLabels { sizes[label] += 1 }
            let held = zip(model.leaveOneOutPredictions(), classLabels).filter { sizes[$0.1] >= 2 }.map(\.0.similarity)
            let threshold = RejectionCalibration.threshold(inScopeConfidences: held, keeping: 0.95)
            return (IntentModel(parameters: .prototypes(model), intentIDs: classIntents, threshold: threshold), d,
                    classLabels.count)
        }
    }

    /// Human labels of embedded conversations with their vectors and embedded texts.
    func loadLabels(projectID: Int, model: String, dimension: Int?, pool: PostgresPool) async throws -> Labelled {
        var labelled = Labelled()
        var d = dimension
        for row in try await pool.query("""
            SELECT l.intent_id, e.vector, c.messages::text FROM intent_labels l
            JOIN conversation_embeddings e ON e.conversation_id = l.conversation_id AND e.model = \(model)
            JOIN conversations c ON c.id = l.conversation_id
            WHERE l.project_id = \(projectID) ORDER BY l.conversation_id
            """) {
            let (intent, data, messages) = try row.decode((Int?, Data, String).self)
            if d == nil { d = data.count / 4 }
            guard let d, VectorCodec.decode(data, dimension: d, into: &labelled.vectors) else { continue }
            labelled.truth.append(intent)
            labelled.texts.append(EmbeddingText.of(messages: (try? JSONParser.parse(messages))?.arrayValue ?? []))
        }
        return labelled
    }

    /// Trains on a stratified 80 % of the labels (out-of-scope labels calibrate the threshold only) and
    /// measures the held-out 20 %.
    func trainSupervised(_ data: Labelled, classes: [Int]) async throws
        -> (model: IntentModel, metrics: Metrics, heldOut: [Int])
    {
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        // Rows of intents with too few labels are left out; out of scope is class `classes.count`.
        let rows = data.truth.indices.filter { data.truth[$0] == nil || index[data.truth[$0]!] != nil }
        let labels = rows.map { data.truth[$0].flatMap { index[$0] } ?? classes.count }
        let split = StratifiedSplit.split(labels: labels, heldOutFraction: 0.2, seed: 1)
        let d = data.vectors.count / max(1, data.truth.count)
        let options = options
        let heldOut = split.heldOut.map { rows[$0] }
        return try await offThread {
            let trainIn = split.train.filter { labels[$0] < classes.count }
            let trainOut = split.train.filter { labels[$0] == classes.count }
            // The second view (potion embeddings of the same texts), when the model files are there.
            let secondary = IntentSecondaryView.embed(data.texts)
            func features(_ subset: [Int]) throws -> IntentFeatures {
                let e = secondary?.dimension ?? 0
                return try IntentFeatures(
                    embeddings: subset.flatMap { data.vectors[(rows[$0] * d)..<((rows[$0] + 1) * d)] }, dimension: d,
                    secondary: secondary.map { view in subset.flatMap { view.values[(rows[$0] * e)..<((rows[$0] + 1) * e)] } },
                    secondaryDimension: e, texts: subset.map { data.texts[rows[$0]] })
            }
            let training = try IntentClassifier.train(try features(trainIn), labels: trainIn.map { labels[$0] },
                                                      classCount: classes.count, options: options)
            // Threshold from honest confidences: out-of-fold for in-scope training rows, and the out-of-scope
            // training rows (never trained on).
            let oof = training.outOfFoldProbabilities, width = classes.count
            let scored = trainIn.indices.map { i -> RejectionCalibration.Scored in
                let p = Array(oof[(i * width)..<((i + 1) * width)])
                let best = p.indices.max { p[$0] < p[$1] } ?? 0
                return .init(confidence: p[best], correct: best == labels[trainIn[i]])
            }
            var threshold: Float
            if trainOut.isEmpty {
                threshold = RejectionCalibration.threshold(inScopeConfidences: scored.map(\.confidence), keeping: 0.98)
            } else {
                let outside = try training.classifier.predict(try features(trainOut)).map(\.confidence)
                threshold = RejectionCalibration.threshold(inScope: scored, outOfScope: outside)
            }
            let model = IntentModel(parameters: .classifier(training.classifier), intentIDs: classes, threshold: threshold)
            let held = split.heldOut
            let predictions = try model.predict(
                vectors: held.flatMap { data.vectors[(rows[$0] * d)..<((rows[$0] + 1) * d)] },
                texts: held.map { data.texts[rows[$0]] })
            var metrics = Self.evaluate(predictions, truth: held.map { data.truth[rows[$0]] })
            metrics.trainedOn = split.train.count
            metrics.crossValidatedAccuracy = training.classifier.selection.crossValidatedAccuracy
            metrics.views = secondary == nil ? ["embedding", "words"] : ["embedding", "potion", "words"]
            return (model, metrics, heldOut)
        }
    }

    /// Held-out metrics of predictions against labels (nil = out of scope).
    static func evaluate(_ predictions: [IntentModel.Prediction], truth: [Int?]) -> Metrics {
        var metrics = Metrics(heldOut: truth.count)
        guard !truth.isEmpty else { return metrics }
        metrics.score = Double(zip(predictions, truth).filter { $0.intentID == $1 }.count) / Double(truth.count)
        let inScope = truth.indices.filter { truth[$0] != nil }
        let outside = truth.indices.filter { truth[$0] == nil }
        if !inScope.isEmpty {
            let ids = Array(Set(inScope.map { truth[$0]! })).sorted()
            let index = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
            let scores = ClassificationMetrics(truth: inScope.map { index[truth[$0]!]! },
                                               predicted: inScope.map { index[predictions[$0].bestIntentID] ?? -1 },
                                               classCount: ids.count)
            metrics.accuracy = scores.accuracy
            metrics.macroF1 = scores.macroF1
            metrics.inScopeAccuracy = Double(inScope.filter { predictions[$0].intentID == truth[$0] }.count)
                / Double(inScope.count)
        }
        if !outside.isEmpty {
            metrics.outOfScopeRecall = Double(outside.filter { predictions[$0].intentID == nil }.count)
                / Double(outside.count)
        }
        return metrics
    }
}
