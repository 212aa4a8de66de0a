extension OpenAPIDocument {
    /// Schemas shared by several operations (besides `Problem`), referenced with `Schema.ref(name)`.
    static let sharedSchemas: [String: JSONValue] = [:]
}
