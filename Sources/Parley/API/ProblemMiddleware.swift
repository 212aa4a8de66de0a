import HTTPServer
import Logging
import Postgres

/// Turns every error thrown by an API handler into `application/problem+json`.
///
/// Database connection failures become 503 with `Retry-After` (nothing was acknowledged, the client may
/// retry); other database errors become a 500 that carries only the request id, with details in the log.
public struct ProblemMiddleware: Middleware {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func handle(_ request: Request, next: Responder) async throws -> Response {
        do {
            return try await next(request)
        } catch let problem as Problem {
            return problem.response(for: request)
        } catch let error as PostgresError {
            if error.isConnectionError {
                logger.warning("database unavailable", metadata: ["request": "\(request.id)", "error": "\(error.logDescription)"])
                return Problem.unavailable().response(for: request)
            }
            if error.isUnstorableText {
                return Problem(.badRequest, title: "Invalid text", detail: Problem.nulText).response(for: request)
            }
            logger.error("database error", metadata: ["request": "\(request.id)", "error": "\(error.logDescription)"])
            return Problem(.internalServerError, detail: "Something went wrong; quote the request id when reporting it.")
                .response(for: request)
        } catch let error as HTTPError {
            // Keep the error's headers (`Allow` on a 405).
            return Problem(error.status, detail: error.message, headers: error.headers).response(for: request)
        } catch let error as any HTTPResponseError {
            let message = (error as? JSONBodyError)?.message
            return Problem(error.status, detail: message).response(for: request)
        }
    }
}

extension Problem {
    /// Why text with a NUL character is refused (PostgreSQL cannot store U+0000).
    static let nulText = "Text cannot contain NUL (U+0000) characters."
}
