import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The optional OpenAI-compatible endpoint (`PARLEY_LLM_URL`, `PARLEY_LLM_MODEL`, `PARLEY_LLM_KEY`), used only
/// for naming clusters. Nothing is sent anywhere unless it is configured, and callers redact PII first.
public struct LLMSettings: Sendable, Equatable {
    /// Base URL up to `/v1`, e.g. `http://localhost:11434/v1` (Ollama) or `https://api.openai.com/v1`.
    public var url: String?
    public var model = "gpt-4o-mini"
    public var key: String?
    public var timeoutSeconds = 60.0

    public init() {}

    init(environment: [String: String]) throws {
        if let value = environment["PARLEY_LLM_URL"], !value.isEmpty {
            guard let parsed = URL(string: value), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                throw ConfigurationError(setting: "PARLEY_LLM_URL", value: value, expected: "an http(s) URL such as https://api.openai.com/v1")
            }
            url = value.hasSuffix("/") ? String(value.dropLast()) : value
        }
        if let value = environment["PARLEY_LLM_MODEL"], !value.isEmpty { model = value }
        if let value = environment["PARLEY_LLM_KEY"], !value.isEmpty { key = value }
    }

    public var isConfigured: Bool { url != nil }
}

/// A minimal chat-completions client (`POST {url}/chat/completions`).
struct LLMClient: Sendable {
    let settings: LLMSettings

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The assistant's reply to `system` + `user`.
    func complete(system: String, user: String) async throws -> String {
        guard let base = settings.url, let url = URL(string: base + "/chat/completions") else {
            throw Failure(description: "no LLM endpoint configured (PARLEY_LLM_URL)")
        }
        var request = URLRequest(url: url, timeoutInterval: settings.timeoutSeconds)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let key = settings.key { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        let body: JSONValue = .object([
            "model": .string(settings.model), "temperature": .number("0"),
            "messages": .array([
                .object(["role": .string("system"), "content": .string(system)]),
                .object(["role": .string("user"), "content": .string(user)]),
            ]),
        ])
        request.httpBody = Data(body.serialized().utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw Failure(description: "the LLM endpoint answered HTTP \(status)")
        }
        guard let reply = (try? JSONParser.parse(Array(data)))?["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue
        else { throw Failure(description: "the LLM endpoint's answer has no choices[0].message.content") }
        return reply
    }
}
