/// The detectors rules can name: the built-in text detectors and the embedding detectors (scored after embedding).
public struct DetectorRegistry: Sendable {
    public var textDetectors: [String: any ConversationDetector]
    public var embeddingDetectors: [String: any EmbeddingDetector]

    public init(textDetectors: [any ConversationDetector], embeddingDetectors: [any EmbeddingDetector] = []) {
        self.textDetectors = Dictionary(textDetectors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.embeddingDetectors = Dictionary(embeddingDetectors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// PII, refusal, frustration and error responses, plus the embedding detectors the service ships.
    public static let standard = DetectorRegistry(
        textDetectors: [PIIConversationDetector(), RefusalDetector(), FrustrationDetector(), ErrorResponseDetector()],
        embeddingDetectors: shippedEmbeddingDetectors())

    /// Every name, sorted.
    public var names: [String] { (Array(textDetectors.keys) + Array(embeddingDetectors.keys)).sorted() }

    /// The kinds a text detector reports, or nil for an embedding detector or an unknown name.
    func kinds(of name: String) -> [String]? { textDetectors[name]?.kinds }

    /// The embedding detectors that ship with the service (loaded from their weights beside the program).
    static func shippedEmbeddingDetectors() -> [any EmbeddingDetector] {
        [UnsafeRequestFlagDetector.shipped()].compactMap { $0 }
    }
}
