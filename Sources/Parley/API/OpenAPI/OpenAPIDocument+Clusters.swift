extension OpenAPIDocument {
    /// The clusters routes.
    static let clusters: [APIOperation] = []
}
