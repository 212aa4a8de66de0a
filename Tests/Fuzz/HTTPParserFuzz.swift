// libFuzzer entry for the HTTP request parser. Not a SwiftPM target: scripts/fuzz-http.sh compiles it together
// with Sources/HTTPServer/Parser/*.swift and Request/QueryParameters.swift using `swiftc -sanitize=fuzzer`.

/// Feeds the input to the parser in two pieces (split chosen by the first byte, to exercise incremental
/// parsing) and checks invariants of the events it returns.
@_cdecl("LLVMFuzzerTestOneInput")
public func httpParserFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var parser = HTTPRequestParser(
        limits: HTTPRequestParser.Limits(maxRequestLineLength: 512, maxHeaderBytes: 2048, maxHeaderCount: 32))
    let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
    var checker = EventChecker()
    parser.append(bytes[0..<split])
    guard checker.drain(&parser) else { return 0 }
    parser.append(bytes[split...])
    _ = checker.drain(&parser)
    return 0
}

/// Checks that events come in a legal order and bodies never exceed their declared length.
struct EventChecker {
    var framing: HTTPRequestHead.Framing?
    var bodyBytes = 0

    /// Returns false once the parser failed.
    mutating func drain(_ parser: inout HTTPRequestParser) -> Bool {
        for _ in 0..<10_000 {
            do {
                guard let event = try parser.next() else { return true }
                switch event {
                case .head(let head):
                    require(framing == nil, "head inside a message")
                    framing = head.framing
                    bodyBytes = 0
                    _ = (head.path, head.query, head.clientWantsKeepAlive, head.expectsContinue)
                    _ = QueryParameters(head.query).pairs.count
                    _ = PercentDecoding.decodePathSegment(head.path)
                    try parser.limitBody(to: 4096)
                case .body(let chunk):
                    require(framing != nil && framing != HTTPRequestHead.Framing.none, "body without framing")
                    require(!chunk.isEmpty, "empty body chunk")
                    bodyBytes += chunk.count
                    if case .length(let length)? = framing { require(bodyBytes <= length, "body too long") }
                    require(bodyBytes <= 4096, "body limit ignored")
                case .end:
                    require(framing != nil, "end without head")
                    if case .length(let length)? = framing { require(bodyBytes == length, "body length") }
                    framing = nil
                }
            } catch {
                return false
            }
        }
        return true
    }
}
