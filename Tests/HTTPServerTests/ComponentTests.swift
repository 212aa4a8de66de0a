import Synchronization
import Testing

@testable import HTTPServer

@Suite struct ComponentTests {
    @Test func routerMatchesParametersCatchAllAndReports405() throws {
        var router = Router()
        router.get("/api/v1/conversations/:id") { _ in Response() }
        router.delete("/api/v1/conversations/:id") { _ in Response() }
        router.get("/files/*path") { _ in Response() }
        router.post("/login") { _ in Response() }
        guard case .found(let route, let parameters) = router.match(method: .get, path: "/api/v1/conversations/a%20b")
        else { Issue.record("no match"); return }
        #expect(route.method == .get)
        #expect(parameters == ["id": "a b"])
        guard case .found(_, let rest) = router.match(method: .head, path: "/files/a/b.txt") else {
            Issue.record("no catch-all match"); return
        }
        #expect(rest["path"] == "a/b.txt")
        guard case .methodNotAllowed(let allowed) = router.match(method: .put, path: "/api/v1/conversations/1") else {
            Issue.record("expected 405"); return
        }
        #expect(allowed == [.get, .delete, .head])
        guard case .notFound = router.match(method: .get, path: "/api/v1/conversations/1/extra") else {
            Issue.record("expected 404"); return
        }
        guard case .found = router.match(method: .post, path: "/login/") else { Issue.record("trailing slash"); return }
        guard case .notFound = router.match(method: .get, path: "/api/v1/conversations/a%2Fb") else {
            Issue.record("encoded slash must not match a parameter"); return
        }
    }

    @Test func middlewareRunsOutermostFirst() async throws {
        var router = Router()
        router.use { request, next in
            var response = try await next(request)
            response.headers.add(name: "X-Order", value: "outer")
            return response
        }
        router.use { request, next in
            var response = try await next(request)
            response.headers.add(name: "X-Order", value: "inner")
            return response
        }
        router.get("/") { _ in Response(text: "ok") }
        let response = try await router.responder()(Request(method: .get, target: "/"))
        #expect(response.headers.values(for: "X-Order") == ["inner", "outer"])
    }

    @Test func queryDecodingAndCookieBuilder() {
        let query = QueryParameters("a=1&a=2&b=x+y&c=%zz&d")
        #expect(query.values(for: "a") == ["1", "2"])
        #expect(query["b"] == "x y")
        #expect(query["c"] == "%zz")
        #expect(query["d"] == "")
        #expect(query.get("a", as: Int.self) == 1)
        let cookie = Cookie(name: "sid", value: "a b;c", sameSite: SameSiteFixture.none)
        #expect(cookie.headerValue == "sid=a%20b%3Bc; Path=/; Secure; HttpOnly; SameSite=None")
        #expect(Cookie.expired(name: "sid").headerValue.contains("Max-Age=0"))
    }

    @Test func gzipRoundTripsConcatenatedMembersAndEnforcesLimit() throws {
        let first = Array(String(repeating: "alpha ", count: 1000).utf8)
        let second = Array(String(repeating: "beta ", count: 1000).utf8)
        let joined = try GzipDeflater.compress(first) + GzipDeflater.compress(second)
        let inflater = try GzipInflater()
        var output: [UInt8] = []
        for start in stride(from: 0, to: joined.count, by: 7) {
            output += try inflater.inflate(Array(joined[start..<min(joined.count, start + 7)]))
        }
        try inflater.finish()
        #expect(output == first + second)
        let limited = try GzipInflater(limit: 100)
        #expect(throws: GzipError.self) { _ = try limited.inflate(joined) }
        let corrupt = try GzipInflater()
        #expect(throws: GzipError.self) { _ = try corrupt.inflate(Array("not gzip at all".utf8)) }
        let truncated = try GzipInflater()
        _ = try truncated.inflate(Array(joined.prefix(10)))
        #expect(throws: GzipError.self) { try truncated.finish() }
    }

    @Test func multipartParserRejectsMalformedBodies() {
        #expect(MultipartParser.boundary(fromContentType: "multipart/form-data; boundary=\"a b\"") == "a b")
        #expect(MultipartParser.parse(Array("--b\r\n\r\nx\r\n--b--".utf8), boundary: "b")?.first?.body == Array("x".utf8))
        #expect(MultipartParser.parse(Array("--b\r\nContent-Disposition: form-data\r\n\r\nunterminated".utf8), boundary: "b") == nil)
        #expect(MultipartParser.parse(Array("no boundary here".utf8), boundary: "b") == nil)
    }

    @Test func requestBodyStreamPausesAndResumesTheProducer() async throws {
        let resumed = ResumeCounter()
        let stream = RequestBodyStream(highWatermark: 10) { resumed.increment() }
        #expect(!stream.yield([UInt8](repeating: 1, count: 6)))
        #expect(stream.yield([UInt8](repeating: 2, count: 6)))
        #expect(try await stream.next()?.count == 6)
        #expect(resumed.value == 0)
        #expect(try await stream.next()?.count == 6)
        #expect(resumed.value == 1)
        stream.finish()
        #expect(try await stream.next() == nil)
    }

    @Test func httpDateIsIMFFixdate() {
        #expect(HTTPDate.format(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
    }

    @Test func acceptEncodingParsing() {
        func accepts(_ value: String) -> Bool {
            Request(method: .get, target: "/", headers: ["Accept-Encoding": value]).acceptsGzip
        }
        #expect(accepts("gzip"))
        #expect(accepts("br, GZIP;q=0.5"))
        #expect(accepts("*"))
        #expect(!accepts("gzip;q=0"))
        #expect(!accepts("br, deflate"))
        #expect(accepts("*;q=0, gzip"))
        #expect(!accepts("gzip;q=0, *"))
    }
}

private typealias SameSiteFixture = Cookie.SameSite


private final class ResumeCounter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}
