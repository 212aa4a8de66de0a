extension OpenAPIDocument {
    /// The health routes.
    static let health: [APIOperation] = []
}
