import HTTPServer

extension AppContext {
    /// The API key's principal, checked for `scope`.
    /// - Throws: `Problem` 401 (missing or invalid key, with `WWW-Authenticate`) or 403 (scope missing).
    func principal(_ request: Request, scope: String) async throws -> APIKeyStore.Principal {
        guard let header = request.headers["Authorization"], header.lowercased().hasPrefix("bearer ") else {
            throw Problem(.unauthorized, title: "Authentication required",
                          detail: "Send an API key as `Authorization: Bearer <key>` (create one with `parley apikey create`).",
                          headers: ["WWW-Authenticate": "Bearer realm=\"parley\""])
        }
        let key = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        guard let principal = try await apiKeys.authenticate(key) else {
            throw Problem(.unauthorized, title: "Invalid API key", detail: "The key is unknown or was revoked.",
                          headers: ["WWW-Authenticate": "Bearer realm=\"parley\", error=\"invalid_token\""])
        }
        guard principal.scopes.contains(scope) else {
            throw Problem(.forbidden, title: "Not allowed", detail: "This API key lacks the '\(scope)' scope.")
        }
        return principal
    }
}
