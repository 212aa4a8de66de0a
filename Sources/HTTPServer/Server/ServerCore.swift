import Logging
import Synchronization

/// What connections share: configuration, the composed responder, counters and the shards.
final class ServerCore: Sendable {
    let configuration: HTTPServerConfiguration
    let router: Router
    let responder: Responder
    let logger: Logger
    let shards: [Shard]
    let connectionCount = Atomic<Int>(0)
    let isDrainingFlag = Atomic<Bool>(false)
    private let nextConnectionID = Atomic<UInt64>(0)
    private let requestCounter = Atomic<UInt64>(0)
    private let requestIDPrefix: String

    init(configuration: HTTPServerConfiguration, router: Router, logger: Logger) {
        self.configuration = configuration
        self.router = router
        self.responder = router.responder()
        self.logger = logger
        self.shards = (0..<max(1, configuration.queueCount)).map { Shard(index: $0) }
        let prefix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        requestIDPrefix = String(repeating: "0", count: 8 - prefix.count) + prefix + "-"
    }

    var isDraining: Bool { isDrainingFlag.load(ordering: .acquiring) }

    func makeConnectionID() -> UInt64 {
        nextConnectionID.wrappingAdd(1, ordering: .relaxed).newValue
    }

    func connectionClosed() {
        connectionCount.subtract(1, ordering: .releasing)
    }

    /// The client's `X-Request-Id` when short and plain, otherwise `<process prefix>-<counter>`.
    func requestID(from headers: HTTPHeaders) -> String {
        if let given = headers["X-Request-Id"], (1...128).contains(given.utf8.count),
            given.utf8.allSatisfy({ HTTPRequestParser.isTokenByte($0) || $0 == UInt8(ascii: ":") })
        {
            return given
        }
        let number = requestCounter.wrappingAdd(1, ordering: .relaxed).newValue
        return requestIDPrefix + String(number, radix: 16)
    }

    /// Runs the middleware chain and turns thrown errors into responses; never throws.
    func respond(to request: Request) async -> Response {
        var response: Response
        do {
            response = try await responder(request)
        } catch let error as any HTTPResponseError {
            response = error.response(for: request)
        } catch is ConnectionClosedError {
            // The peer left mid-request; nobody will read this response.
            response = Response(status: .badRequest)
        } catch {
            // Internal details stay in the log; the client gets the request id to quote.
            logger.error(
                "unhandled error", metadata: ["request_id": "\(request.id)", "error": "\(String(reflecting: error))"])
            response = Response(
                status: .internalServerError, text: "Internal Server Error\nRequest id: \(request.id)\n")
        }
        if !response.headers.contains("X-Request-Id") {
            response.headers.add(name: "X-Request-Id", value: request.id)
        }
        if configuration.gzip.enabled { compressIfWorthwhile(&response, for: request) }
        return response
    }

    /// gzip (RFC 9110 §8.4.1) when the client accepts it, the type compresses and the body is large enough.
    ///
    /// Streams are always large enough: they exist for big exports.
    func compressIfWorthwhile(_ response: inout Response, for request: Request) {
        let gzip = configuration.gzip
        guard response.status.allowsContent, !response.headers.contains("Content-Encoding"),
            let type = response.headers["Content-Type"]?.lowercased(),
            gzip.compressibleTypes.contains(where: { type.hasPrefix($0) })
        else { return }
        switch response.body {
        case .bytes(let body):
            guard body.count >= gzip.minimumSize else { return }
            varyOnAcceptEncoding(&response)
            guard request.acceptsGzip, let compressed = try? GzipDeflater.compress(body, level: gzip.level),
                compressed.count < body.count
            else { return }
            response.body = .bytes(compressed)
        case .stream(let produce):
            varyOnAcceptEncoding(&response)
            guard request.acceptsGzip else { return }
            response.body = .stream(GzipStreamSink.compressing(produce, level: gzip.level))
        }
        response.headers.replaceOrAdd(name: "Content-Encoding", value: "gzip")
        // RFC 9110 §8.8.3: a strong validator must differ between encodings; weaken it.
        if let etag = response.headers["ETag"], !etag.hasPrefix("W/") {
            response.headers.replaceOrAdd(name: "ETag", value: "W/" + etag)
        }
    }

    /// RFC 9110 §12.5.5: the representation depends on Accept-Encoding, whichever one is sent.
    private func varyOnAcceptEncoding(_ response: inout Response) {
        if !response.headers.containsToken("Accept-Encoding", in: "Vary") {
            response.headers.add(name: "Vary", value: "Accept-Encoding")
        }
    }
}
