extension OpenAPIDocument {
    /// The rules routes.
    static let rules: [APIOperation] = []
}
