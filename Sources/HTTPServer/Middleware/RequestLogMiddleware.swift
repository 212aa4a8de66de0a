import Logging

/// Access log and timing: one log line per request with status and duration, plus a `Server-Timing` header.
///
/// Add it first so it sees the final status of everything inside it; errors that render themselves
/// (`HTTPResponseError`) are rendered here so their status is logged.
public struct RequestLogMiddleware: Middleware {
    private let logger: Logger
    private let level: Logger.Level

    /// Logs each request to `logger` at `level`.
    public init(logger: Logger, level: Logger.Level = .info) {
        self.logger = logger
        self.level = level
    }

    public func handle(_ request: Request, next: Responder) async throws -> Response {
        let clock = ContinuousClock()
        let start = clock.now
        var response: Response
        do {
            response = try await next(request)
        } catch let error as any HTTPResponseError {
            response = error.response(for: request)
        } catch {
            log(request, status: 500, duration: clock.now - start, bytes: nil)
            throw error
        }
        let duration = clock.now - start
        let milliseconds = Self.milliseconds(duration)
        // W3C Server-Timing: lets browser dev tools show time spent in the application.
        response.headers.add(name: "Server-Timing", value: "app;dur=\(milliseconds)")
        log(request, status: response.status.code, duration: duration, bytes: response.body.bytes?.count)
        return response
    }

    private func log(_ request: Request, status: Int, duration: Duration, bytes: Int?) {
        guard logger.logLevel <= level else { return }
        var metadata: Logger.Metadata = [
            "request_id": "\(request.id)", "method": "\(request.method)", "path": "\(request.path)",
            "status": "\(status)", "duration_ms": "\(Self.milliseconds(duration))",
        ]
        if let bytes { metadata["bytes"] = "\(bytes)" }
        logger.log(level: level, "\(request.method) \(request.path) \(status)", metadata: metadata)
    }

    /// Milliseconds with two decimals, formatted without Foundation.
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let hundredths = seconds * 100_000 + attoseconds / 10_000_000_000_000
        let whole = hundredths / 100
        let fraction = hundredths % 100
        return "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
