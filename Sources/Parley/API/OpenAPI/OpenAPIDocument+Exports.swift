extension OpenAPIDocument {
    /// The exports routes.
    static let exports: [APIOperation] = []
}
