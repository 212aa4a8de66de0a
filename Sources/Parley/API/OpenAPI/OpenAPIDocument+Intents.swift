extension OpenAPIDocument {
    /// The intents routes.
    static let intents: [APIOperation] = []
}
