import HTTPServer
import Logging
import Postgres

/// Turns errors of browser paths into helpful HTML pages; `/api` and `/v1` errors pass on to `ProblemMiddleware`.
///
/// Database errors never show their text: a 500 page quotes the request id,
/// and the details go to the log.
struct WebErrorMiddleware: Middleware {
    let dashboard: Dashboard

    func handle(_ request: Request, next: Responder) async throws -> Response {
        guard Self.isBrowserPath(request.path) else { return try await next(request) }
        do {
            return try await next(request)
        } catch let error as HTTPError where error.status == .notFound && request.method == .get {
            return page(for: WebError(.notFound, message: "There is no page at this address. Check the link, or start again from the overview."),
                        request: request)
        } catch {
            return page(for: error, request: request)
        }
    }

    /// Browser paths are everything but the JSON API and the OTLP endpoint.
    static func isBrowserPath(_ path: String) -> Bool {
        !(path == "/api" || path.hasPrefix("/api/") || path == "/v1" || path.hasPrefix("/v1/"))
    }

    /// The error page for any error thrown by a page.
    func page(for error: any Error, request: Request) -> Response {
        let failure: WebError
        switch error {
        case let error as WebError:
            failure = error
        case let problem as Problem:
            failure = WebError(problem.status, message: problem.detail ?? problem.title, headers: problem.headers)
        case let error as HTTPError:
            failure = WebError(error.status, message: Self.sentence(error.message), headers: error.headers)
        case let error as PostgresError where error.isConnectionError:
            dashboard.context.logger.warning("database unavailable",
                                             metadata: ["request": "\(request.id)", "error": "\(error.logDescription)"])
            failure = WebError(.serviceUnavailable, message: "The database cannot be reached right now. Try again in a moment.",
                               headers: ["Retry-After": "5"])
        case let error as PostgresError where error.isUnstorableText:
            failure = WebError(.badRequest, message: Problem.nulText)
        case let error as PostgresError:
            dashboard.context.logger.error("database error on a page",
                                           metadata: ["request": "\(request.id)", "error": "\(error.logDescription)"])
            failure = Self.internalError
        case let error as any HTTPResponseError:
            failure = WebError(error.status, message: "The request could not be handled.")
        default:
            dashboard.context.logger.error("page failed", metadata: ["request": "\(request.id)", "error": "\(error)"])
            failure = Self.internalError
        }
        if failure.status.code >= 500, !(error is PostgresError) {
            dashboard.context.logger.error("page error", metadata: ["request": "\(request.id)", "error": "\(failure)"])
        }
        var values: [String: Any] = [
            "status": failure.status.code, "title": failure.title, "message": failure.message,
            "requestId": request.id, "assets": dashboard.assets.templateValues,
            "isServerError": failure.status.code >= 500,
        ]
        if let retry = failure.headers["Retry-After"] { values["retryAfter"] = retry }
        let html = (try? dashboard.views.render("error", values))
            ?? "<!doctype html><title>\(failure.status.code)</title><h1>\(HTML.escape(failure.title))</h1>"
            + "<p>\(HTML.escape(failure.message))</p><p>Request id: \(HTML.escape(request.id))</p>"
        var response = Views.response(html, status: failure.status)
        for field in failure.headers { response.headers.add(name: field.name, value: field.value) }
        return response
    }

    static let internalError = WebError(
        .internalServerError,
        message: "Parley hit an unexpected problem showing this page. It has been logged; if it keeps happening, "
            + "report it with the request id below.")

    private static func sentence(_ message: String) -> String {
        message.hasSuffix(".") ? message : message + "."
    }
}
