// libFuzzer entry for the JSON conversation path of `POST /api/v1/conversations` (IngestRoutes.create): the bytes
// are parsed by JSONParser, a single conversation or a `{"conversations": [...]}` batch is validated by
// ConversationValidator, and every valid conversation is encoded for storage (JSON texts and content hash).
// Not a SwiftPM target: scripts/fuzz.sh compiles it with the Parley sources it needs using `swiftc -sanitize=fuzzer`.
import Foundation

private let validator = ConversationValidator()
private let now = Date(timeIntervalSince1970: 1_700_000_000)

@_cdecl("LLVMFuzzerTestOneInput")
public func jsonFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let document = try? JSONParser.parse(bytes) else { return 0 }
    // The value written back parses to the same value (numbers keep their text, keys are unique).
    let written = document.serialized()
    guard let reparsed = try? JSONParser.parse(written) else { fatalError("serialized JSON does not parse") }
    require(reparsed == document, "JSON round trip changed the value")

    // As IngestRoutes.create: a batch when the object has `conversations`, else one conversation.
    let values: [JSONValue]
    var isBatch = false
    if let list = document["conversations"] {
        guard let items = list.arrayValue, !items.isEmpty, items.count <= validator.limits.maxConversationsPerRequest
        else { return 0 }
        values = items
        isBatch = true
    } else {
        values = [document]
    }
    for (i, value) in values.enumerated() {
        switch validator.validate(value, path: isBatch ? "conversations[\(i)]" : "", now: now) {
        case .success(let input):
            checkEncoded(input)
        case .failure(let errors):
            require(!errors.items.isEmpty, "a failure without field errors")
        }
    }
    return 0
}
