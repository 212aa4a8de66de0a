extension OpenAPIDocument {
    /// The triage routes.
    static let triage: [APIOperation] = []
}
