// libFuzzer entry for `POST /v1/traces` (TraceRoutes.traces): the bytes are mapped by OTLPTraceMapper (JSON parse,
// spans, the three GenAI message conventions, grouping and merging), then every conversation is validated and
// encoded as the route does.
// Not a SwiftPM target: scripts/fuzz.sh compiles it with the Parley sources it needs using `swiftc -sanitize=fuzzer`.
import Foundation

private let validator = ConversationValidator()
private let now = Date(timeIntervalSince1970: 1_700_000_000)

@_cdecl("LLVMFuzzerTestOneInput")
public func otlpFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let mapped = try? OTLPTraceMapper().map(json: bytes) else { return 0 }
    for conversation in mapped.conversations {
        require(conversation["id"]?.stringValue?.hasPrefix("otel:") == true, "a conversation without an otel id")
        require(conversation["messages"]?.arrayValue?.isEmpty == false, "a conversation without messages")
        switch validator.validate(conversation, now: now) {
        case .success(let input): checkEncoded(input)
        case .failure(let errors): _ = errors.items.map { "\($0.path) \($0.message)" }.joined(separator: "; ")
        }
    }
    _ = mapped.warnings.map(\.description)
    return 0
}
