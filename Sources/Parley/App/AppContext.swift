import Logging
import Postgres

/// What every handler needs: the database, stores and settings of the running service.
public struct AppContext: Sendable {
    public let configuration: Configuration
    public let database: Database
    public let logger: Logger
    public let apiKeys: APIKeyStore
    public let batcher: IngestBatcher
    public let validator: ConversationValidator
    public let embedders: EmbedderProvider
    public let similarity: SimilarityIndexCache
    public let embeddingScheduler: EmbeddingScheduler
    public let clusterAssignments: ClusterAssignments
    public let intentClassifications: IntentClassifications

    public init(configuration: Configuration, database: Database, logger: Logger) {
        self.configuration = configuration
        self.database = database
        self.logger = logger
        self.apiKeys = APIKeyStore(pool: database.pool)
        self.embeddingScheduler = EmbeddingScheduler(pool: database.pool, logger: logger)
        self.batcher = IngestBatcher(pool: database.pool, logger: logger, scheduler: embeddingScheduler)
        self.validator = ConversationValidator(limits: configuration.ingestLimits)
        self.embedders = EmbedderProvider(modelName: configuration.embedder, modelsDirectory: configuration.modelsDirectory)
        self.similarity = SimilarityIndexCache(pool: database.pool)
        self.clusterAssignments = ClusterAssignments()
        self.intentClassifications = IntentClassifications()
        IntentSecondaryView.configure(modelsDirectory: configuration.modelsDirectory)
    }

    public var pool: PostgresPool { database.pool }

    /// The handlers of every job kind the service knows.
    public func jobHandlers() -> [any JobHandler] {
        [
            EmbedJob(provider: embedders, assignments: clusterAssignments,
                     trigger: ClusterTrigger(settings: configuration.clusters), intents: intentClassifications),
            SearchIndexJob(),
            ClusterRunJob(provider: embedders, assignments: clusterAssignments, llm: configuration.llm),
            ClusterNamingJob(settings: configuration.llm),
            IntentTrainJob(provider: embedders, classifications: intentClassifications),
            IntentClassifyJob(provider: embedders, classifications: intentClassifications),
            ImportJob(home: configuration.home, limits: configuration.ingestLimits),
        ] + FlagJobs.handlers(configuration: configuration) + VersionJobs.handlers(configuration: configuration)
            + ReplayJobs.handlers(configuration: configuration)
    }
}
