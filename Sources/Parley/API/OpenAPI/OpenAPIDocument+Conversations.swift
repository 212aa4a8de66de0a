extension OpenAPIDocument {
    /// The conversations routes.
    static let conversations: [APIOperation] = []
}
