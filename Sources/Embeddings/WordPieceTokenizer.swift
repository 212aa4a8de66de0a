import Foundation

/// The BERT-uncased WordPiece tokenizer (HF `BertTokenizer`: basic tokenizer + WordPiece), over a vocabulary.
///
/// Produces the same ids as the reference for all-MiniLM-L6-v2 and, with potion's vocabulary, for
/// potion-base-8M. Thread-safe: tokenizing keeps its scratch state on the caller's stack.
public struct WordPieceTokenizer: Sendable {
    /// Words (after punctuation splitting) longer than this many characters become `[UNK]`.
    public static let maxCharactersPerWord = 100

    /// The vocabulary the ids index.
    public let vocabulary: WordPieceVocabulary
    /// Id of `[UNK]`.
    public let unknownID: Int32
    /// Id of `[CLS]`, if the vocabulary has it.
    public let classifierID: Int32?
    /// Id of `[SEP]`, if the vocabulary has it.
    public let separatorID: Int32?
    /// BERT's special tokens present in the vocabulary; written literally in a text, they keep their ids.
    let specialTokens: [WordPieceScan.SpecialToken]

    /// A tokenizer over `vocabulary`.
    /// - Throws: `EmbeddingsError` when the vocabulary has no `[UNK]` token.
    public init(vocabulary: WordPieceVocabulary) throws {
        guard let unknown = vocabulary.id(of: "[UNK]") else {
            throw EmbeddingsError.invalidVocabulary("vocab.txt", reason: "no [UNK] token")
        }
        self.vocabulary = vocabulary
        self.unknownID = unknown
        self.classifierID = vocabulary.id(of: "[CLS]")
        self.separatorID = vocabulary.id(of: "[SEP]")
        self.specialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].compactMap { name in
            vocabulary.id(of: name).map { WordPieceScan.SpecialToken(spelling: Array(name.utf8), id: $0) }
        }
    }

    /// A tokenizer over the `vocab.txt` at `url`.
    /// - Throws: `EmbeddingsError` when the file is unreadable or has no `[UNK]` token.
    public init(contentsOf url: URL) throws {
        try self.init(vocabulary: WordPieceVocabulary(contentsOf: url))
    }

    /// The WordPiece ids of `text`, without special tokens.
    /// - Parameters:
    ///   - text: Any text; control characters are removed and whitespace normalised.
    ///   - maxTokens: Stop after this many ids (tokenizing stops early, so long texts stay cheap).
    ///   - dropUnknown: Leave `[UNK]` out (potion's rule); dropped ids do not count towards `maxTokens`.
    /// - Returns: The ids in text order.
    public func tokenize(_ text: String, maxTokens: Int = .max, dropUnknown: Bool = false) -> [Int32] {
        var scan = WordPieceScan(
            vocabulary: vocabulary, specialTokens: specialTokens, unknownID: unknownID, limit: max(0, maxTokens),
            dropUnknown: dropUnknown)
        scan.run(text)
        return scan.output
    }

    /// `[CLS]` + the ids of `text` + `[SEP]`, truncated so the whole sequence has at most `maxLength` ids.
    /// - Parameters:
    ///   - text: Any text.
    ///   - maxLength: The model's maximum sequence length, special tokens included (at least 2).
    /// - Returns: The ids; without `[CLS]`/`[SEP]` in the vocabulary, just the truncated word pieces.
    public func encode(_ text: String, maxLength: Int) -> [Int32] {
        guard let cls = classifierID, let sep = separatorID else {
            return tokenize(text, maxTokens: maxLength)
        }
        var ids: [Int32] = [cls]
        ids.append(contentsOf: tokenize(text, maxTokens: max(0, maxLength - 2)))
        ids.append(sep)
        return ids
    }

    /// The token strings of `ids`, for debugging and tests.
    public func tokens(_ ids: [Int32]) -> [String] {
        ids.map { vocabulary.token(of: $0) ?? "<\($0)>" }
    }
}
