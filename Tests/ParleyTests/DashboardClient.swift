import Foundation
import HTTPServer
@testable import Parley
import Postgres
import TestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A browser stand-in for dashboard tests: keeps cookies itself, never follows redirects, and can sign in.
final class DashboardClient: @unchecked Sendable {
    // Mutated only by the test that owns the client, one request at a time.
    let baseURL: String
    var cookies: [String: String] = [:]
    private let session: URLSession

    init(baseURL: String) {
        self.baseURL = baseURL
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        session = URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
    }

    struct Reply {
        var status: Int
        var headers: [String: String]
        var setCookies: [String]
        var body: String
        var location: String? { headers["location"] }
    }

    /// Sends a request with the client's cookies and stores the cookies of the answer. The content is `form`
    /// (URL-encoded) or a raw `body` of `contentType` (a multipart upload, say).
    func send(_ method: String, _ path: String, form: [(String, String)]? = nil, body: Data? = nil,
              contentType: String? = nil, headers: [String: String] = [:],
              cookies override: [String: String]? = nil) async throws -> Reply {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = method
        let jar = override ?? cookies
        if !jar.isEmpty {
            request.setValue(jar.map { "\($0.key)=\($0.value)" }.joined(separator: "; "), forHTTPHeaderField: "Cookie")
        }
        if let form {
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(form.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&").utf8)
        }
        if let body {
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
            request.httpBody = body
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response): (Data, URLResponse) = try await withCheckedThrowingContinuation { continuation in
            session.dataTask(with: request) { data, response, error in
                if let error { continuation.resume(throwing: error) } else {
                    continuation.resume(returning: (data ?? Data(), response!))
                }
            }.resume()
        }
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields[String(describing: name).lowercased()] = String(describing: value) }
        // Several Set-Cookie fields arrive joined by ", "; our cookies carry no commas (Max-Age, never Expires).
        let setCookies = fields["set-cookie"].map { $0.components(separatedBy: ", ") } ?? []
        for line in setCookies {
            guard let pair = line.split(separator: ";").first, let equals = pair.firstIndex(of: "=") else { continue }
            let name = String(pair[..<equals]).trimmingCharacters(in: .whitespaces)
            let value = String(pair[pair.index(after: equals)...])
            if line.contains("Max-Age=0") { cookies.removeValue(forKey: name) } else { cookies[name] = value }
        }
        return Reply(status: http.statusCode, headers: fields, setCookies: setCookies,
                     body: String(decoding: data, as: UTF8.self))
    }

    /// The value of the hidden `_csrf` field of a page.
    static func csrfToken(in html: String) -> String? {
        guard let range = html.range(of: "name=\"_csrf\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    /// Opens the sign-in page and submits it.
    @discardableResult
    func signIn(email: String, password: String, next: String = "", headers: [String: String] = [:]) async throws -> Reply {
        // The form as a signed-out browser gets it; the POST then carries every cookie (a session too, if any).
        let form = try await send("GET", "/login", cookies: cookies.filter { $0.key != Dashboard.sessionCookie })
        let token = Self.csrfToken(in: form.body) ?? ""
        return try await send("POST", "/login", form: [("_csrf", token), ("email", email), ("password", password),
                                                       ("next", next)], headers: headers)
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

private final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

/// The service with dashboard settings fit for tests (cheap password hashes) and a few accounts.
struct DashboardApp {
    let app: TestApp
    let accounts: AccountStore
    static let password = "correct horse battery"

    static func start(configure: @escaping (inout Configuration) -> Void = { _ in }) async throws -> DashboardApp {
        let app = try await TestApp.start { configuration in
            configuration.web.passwordIterations = PasswordHasher.minimumIterations
            configure(&configuration)
        }
        return DashboardApp(app: app, accounts: AccountStore(pool: app.database.pool,
                                                             hasher: PasswordHasher(iterations: 1_000)))
    }

    var client: DashboardClient { DashboardClient(baseURL: app.baseURL) }
    var pool: PostgresPool { app.database.pool }

    /// A user with `role` in the app's project (or in `projectID`).
    @discardableResult
    func user(_ email: String, role: Role, projectID: Int? = nil) async throws -> AccountStore.User {
        let user = try await accounts.createUser(email: email, password: Self.password)
        try await accounts.grant(userID: user.id, projectID: projectID ?? app.projectID, role: role)
        return user
    }

    /// A client signed in as a new user with `role`.
    func signedIn(_ email: String, role: Role, projectID: Int? = nil) async throws -> DashboardClient {
        try await user(email, role: role, projectID: projectID)
        let client = self.client
        let reply = try await client.signIn(email: email, password: Self.password)
        guard reply.status == 303, client.cookies[Dashboard.sessionCookie] != nil else {
            throw DashboardTestError(message: "sign-in failed: \(reply.status) \(reply.body.prefix(300))")
        }
        return client
    }

    /// The status of a GET with only this session token, from a separate client (so its cookies stay apart).
    func status(of path: String, token: String) async throws -> Int {
        let other = client
        other.cookies[Dashboard.sessionCookie] = token
        return try await other.send("GET", path).status
    }

    func stop() async { await app.stop() }
}

struct DashboardTestError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
