extension OpenAPIDocument {
    /// The versions routes.
    static let versions: [APIOperation] = []
}
