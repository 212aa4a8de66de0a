extension OpenAPIDocument {
    /// The jobs routes.
    static let jobs: [APIOperation] = []
}
