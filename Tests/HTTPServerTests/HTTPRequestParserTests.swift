import Testing

@testable import HTTPServer

/// Parses `text` fed in pieces of `step` bytes and returns every event, or the error.
private func parse(
    _ text: String, step: Int = .max, limits: HTTPRequestParser.Limits = .init(), bodyLimit: Int? = nil
) -> (events: [HTTPRequestParser.Event], error: HTTPParserError?) {
    var parser = HTTPRequestParser(limits: limits)
    var events: [HTTPRequestParser.Event] = []
    let bytes = Array(text.utf8)
    var offset = 0
    repeat {
        let end = min(bytes.count, offset + max(1, min(step, bytes.count)))
        parser.append(bytes[offset..<end])
        offset = end
        do {
            while let event = try parser.next() {
                events.append(event)
                if case .head = event, let bodyLimit { try parser.limitBody(to: bodyLimit) }
            }
        } catch {
            return (events, error)
        }
    } while offset < bytes.count
    return (events, nil)
}

private func firstHead(_ events: [HTTPRequestParser.Event]) -> HTTPRequestHead? {
    for case .head(let head) in events { return head }
    return nil
}

private func body(_ events: [HTTPRequestParser.Event]) -> String {
    var bytes: [UInt8] = []
    for case .body(let chunk) in events { bytes += chunk }
    return String(decoding: bytes, as: UTF8.self)
}

private func throwsError(_ parser: inout HTTPRequestParser) -> Bool {
    do {
        _ = try parser.next()
        return false
    } catch {
        return true
    }
}

@Suite struct HTTPRequestParserTests {
    @Test func parsesASimpleGet() throws {
        let result = parse("GET /a/b?x=1 HTTP/1.1\r\nHost: example\r\nAccept: */*\r\n\r\n")
        #expect(result.error == nil)
        let head = try #require(firstHead(result.events))
        #expect(head.method == .get)
        #expect(head.target == "/a/b?x=1")
        #expect(head.path == "/a/b")
        #expect(head.query == "x=1")
        #expect(head.headers["host"] == "example")
        #expect(head.framing == .none)
        #expect(head.clientWantsKeepAlive)
        #expect(result.events.last == .end)
    }

    @Test func byteByByteGivesTheSameEvents() {
        let text = "POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n"
        let whole = parse(text)
        let trickled = parse(text, step: 1)
        #expect(whole.error == nil && trickled.error == nil)
        #expect(body(whole.events) == "abcde")
        #expect(body(trickled.events) == "abcde")
        #expect(firstHead(whole.events) == firstHead(trickled.events))
    }

    @Test func readsContentLengthBodyAndThePipelinedNextRequest() throws {
        let result = parse("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(result.error == nil)
        let targets = result.events.compactMap { event -> String? in
            if case .head(let head) = event { return head.target }
            return nil
        }
        #expect(targets == ["/a", "/b"])
        #expect(body(result.events) == "hello")
        #expect(result.events.filter { $0 == .end }.count == 2)
    }

    @Test func discardsTrailersAfterTheLastChunk() {
        let result = parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nX-T: 1\r\n\r\n")
        #expect(result.error == nil)
        #expect(body(result.events) == "x")
        #expect(result.events.last == .end)
    }

    @Test func acceptsBareLineFeedsAndALeadingEmptyLine() throws {
        let result = parse("\r\nGET / HTTP/1.1\nHost: h\n\n")
        #expect(result.error == nil)
        #expect(firstHead(result.events)?.target == "/")
    }

    @Test func takesThePathOfAnAbsoluteFormTarget() throws {
        let result = parse("GET http://example.com/x/y?q HTTP/1.1\r\nHost: example.com\r\n\r\n")
        #expect(firstHead(result.events)?.path == "/x/y")
    }

    @Test(arguments: [
        ("Content-Length: 3\r\nTransfer-Encoding: chunked", HTTPParserError.Code.badRequest),
        ("Content-Length: abc", .badRequest),
        ("Content-Length: -1", .badRequest),
        ("Content-Length: 1, 2", .badRequest),
        ("Content-Length: 1\r\nContent-Length: 2", .badRequest),
        ("Content-Length: 99999999999999999999", .badRequest),
        ("Transfer-Encoding: chunked, gzip", .badRequest),
        ("Transfer-Encoding: gzip, chunked", .notImplemented),
        ("Bad Name: x", .badRequest),
        ("Name : x", .badRequest),
        ("X: a\r\n folded", .badRequest),
        ("X: a\u{1}b", .badRequest),
    ])
    func rejectsBadFraming(header: String, code: HTTPParserError.Code) {
        let result = parse("POST / HTTP/1.1\r\nHost: h\r\n\(header)\r\n\r\n")
        #expect(result.error?.code == code)
    }

    @Test func acceptsRepeatedIdenticalContentLengths() {
        let result = parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2, 2\r\n\r\nok")
        #expect(result.error == nil)
        #expect(body(result.events) == "ok")
    }

    @Test func requiresExactlyOneHostInHTTP11Only() {
        #expect(parse("GET / HTTP/1.1\r\n\r\n").error?.code == .badRequest)
        #expect(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").error?.code == .badRequest)
        #expect(parse("GET / HTTP/1.0\r\n\r\n").error == nil)
    }

    @Test func rejectsChunkedInHTTP10() {
        #expect(parse("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n").error?.code == .badRequest)
    }

    @Test func rejectsOtherHTTPVersionsAndBadRequestLines() {
        #expect(parse("GET / HTTP/2.0\r\nHost: h\r\n\r\n").error?.code == .versionNotSupported)
        #expect(parse("GET / HTTP/1.1 extra\r\nHost: h\r\n\r\n").error?.code == .badRequest)
        #expect(parse("GET  / HTTP/1.1\r\nHost: h\r\n\r\n").error?.code == .badRequest)
        #expect(parse("G(T / HTTP/1.1\r\nHost: h\r\n\r\n").error?.code == .badRequest)
        #expect(parse("GET example.com HTTP/1.1\r\nHost: h\r\n\r\n").error?.code == .badRequest)
    }

    @Test func longTargetIs414AndLongGarbageIs400() {
        let limits = HTTPRequestParser.Limits(maxRequestLineLength: 64)
        let long = String(repeating: "a", count: 100)
        #expect(parse("GET /\(long) HTTP/1.1\r\nHost: h\r\n\r\n", limits: limits).error?.code == .uriTooLong)
        // Without the final CRLF the limit still applies while the line is incomplete.
        #expect(parse("GET /\(long)", step: 7, limits: limits).error?.code == .uriTooLong)
        #expect(parse(long, limits: limits).error?.code == .badRequest)
    }

    @Test func largeOrManyHeadersAre431() {
        let limits = HTTPRequestParser.Limits(maxHeaderBytes: 256, maxHeaderCount: 5)
        let big = "X-Big: \(String(repeating: "b", count: 300))\r\n"
        #expect(parse("GET / HTTP/1.1\r\nHost: h\r\n\(big)\r\n", limits: limits).error?.code == .headerFieldsTooLarge)
        #expect(parse("GET / HTTP/1.1\r\nHost: h\r\n\(big)", step: 10, limits: limits).error?.code == .headerFieldsTooLarge)
        let many = (0..<6).map { "X-\($0): v\r\n" }.joined()
        #expect(parse("GET / HTTP/1.1\r\nHost: h\r\n\(many)\r\n", limits: limits).error?.code == .headerFieldsTooLarge)
    }

    @Test func bodyLimitRejectsDeclaredAndChunkedContent() {
        let declared = parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", bodyLimit: 10)
        #expect(declared.error?.code == .contentTooLarge)
        let chunked = parse(
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nabcdef\r\n0\r\n\r\n",
            bodyLimit: 10)
        #expect(chunked.error?.code == .contentTooLarge)
        #expect(body(chunked.events) == "abcdef")
    }

    @Test func rejectsMalformedChunks() {
        let prefix = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        #expect(parse(prefix + "zz\r\n").error?.code == .badRequest)
        #expect(parse(prefix + "3\r\nabcX\r\n").error?.code == .badRequest)
        #expect(parse(prefix + "fffffffffffffffff\r\n").error?.code == .badRequest)
    }

    @Test func staysFailedAfterAnError() {
        var parser = HTTPRequestParser()
        parser.append(Array("BAD\r\n\r\n".utf8))
        #expect(throwsError(&parser))
        parser.append(Array("GET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8))
        #expect(throwsError(&parser))
    }

    @Test func keepAliveFollowsVersionAndConnectionHeader() throws {
        let close = try #require(firstHead(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").events))
        #expect(!close.clientWantsKeepAlive)
        let old = try #require(firstHead(parse("GET / HTTP/1.0\r\n\r\n").events))
        #expect(!old.clientWantsKeepAlive)
        let oldKeep = try #require(firstHead(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").events))
        #expect(oldKeep.clientWantsKeepAlive)
    }
}
