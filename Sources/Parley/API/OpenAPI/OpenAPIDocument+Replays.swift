extension OpenAPIDocument {
    /// The replays routes.
    static let replays: [APIOperation] = []
}
