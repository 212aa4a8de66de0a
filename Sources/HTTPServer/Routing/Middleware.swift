/// Produces a response for a request; the shape of handlers and of the `next` step in middleware.
public typealias Responder = @Sendable (Request) async throws -> Response

/// Code that wraps every request: inspect or change the request, call `next`, inspect or change the response.
///
/// Middleware runs in the order added with `Router.use`, outermost first, for every request including
/// ones that match no route (so a static-file middleware can answer them).
public protocol Middleware: Sendable {
    /// Handles `request`, usually by calling `next` somewhere in between.
    func handle(_ request: Request, next: Responder) async throws -> Response
}

/// A middleware made from a closure.
public struct ClosureMiddleware: Middleware {
    private let body: @Sendable (Request, Responder) async throws -> Response

    /// Wraps `body`.
    public init(_ body: @escaping @Sendable (Request, Responder) async throws -> Response) {
        self.body = body
    }

    public func handle(_ request: Request, next: Responder) async throws -> Response {
        try await body(request, next)
    }
}
