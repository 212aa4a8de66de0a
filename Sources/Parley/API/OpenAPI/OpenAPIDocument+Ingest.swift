extension OpenAPIDocument {
    /// The ingest routes.
    static let ingest: [APIOperation] = []
}
