// Shared by the Parley decoder harnesses (JSONFuzz, NDJSONFuzz, OTLPFuzz); compiled with them by scripts/fuzz.sh.

/// What is stored for a valid conversation is well-formed: the message and metadata texts parse back to the
/// validated values, and the content hash is 64 hex digits.
func checkEncoded(_ input: ConversationInput) {
    require(!input.messages.isEmpty, "a valid conversation without messages")
    let encoded = input.encoded()
    guard let messages = try? JSONParser.parse(encoded.messages) else { fatalError("stored messages do not parse") }
    require(messages == .array(input.messages), "stored messages differ from the validated ones")
    guard let metadata = try? JSONParser.parse(encoded.metadata) else { fatalError("stored metadata does not parse") }
    require(metadata == input.metadata, "stored metadata differs")
    require(encoded.contentHash.utf8.count == 64, "content hash is not SHA-256 hex")
    require(encoded.tags.hasPrefix("{") && encoded.tags.hasSuffix("}"), "tags are not an array literal")
    _ = input.systemPrompt
}
