extension OpenAPIDocument {
    /// The administration routes.
    static let administration: [APIOperation] = []
}
