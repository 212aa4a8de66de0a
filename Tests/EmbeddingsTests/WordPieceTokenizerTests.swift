import Embeddings
import Foundation
import Testing

/// Tokenizer rules on a small hand-made vocabulary, then tricky inputs against the real MiniLM vocabulary.
@Suite struct WordPieceTokenizerTests {
    static let tokens = [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "runn", "##ing", ",", "!", "the", "cafe",
        "hello", "$", "5", "##0", "東", "京", "x", "##x", "σ", "ς", "straße", "i", "##stan", "##bul", "[MASK]",
    ]
    static let tokenizer: WordPieceTokenizer? = try? WordPieceTokenizer(
        vocabulary: WordPieceVocabulary(tokens: tokens.map { Array($0.utf8) }))

    func pieces(_ text: String) throws -> [String] {
        let tokenizer = try #require(Self.tokenizer)
        return tokenizer.tokens(tokenizer.tokenize(text))
    }

    @Test func greedyLongestMatchWithContinuations() throws {
        #expect(try pieces("unaffable running") == ["un", "##aff", "##able", "runn", "##ing"])
        #expect(try pieces("UNAFFABLE") == ["un", "##aff", "##able"])
    }

    @Test func wordWithAnUnmatchedPieceIsUnknownAsAWhole() throws {
        #expect(try pieces("unaffablez hello") == ["[UNK]", "hello"])
    }

    @Test func punctuationIsSplitOffIncludingASCIISymbols() throws {
        #expect(try pieces("hello,the!") == ["hello", ",", "the", "!"])
        #expect(try pieces("$50") == ["$", "5", "##0"])
    }

    @Test func accentsAreStrippedAfterLowercasing() throws {
        #expect(try pieces("Café CAFÉ cafe\u{301}") == ["cafe", "cafe", "cafe"])
        #expect(try pieces("İstanbul") == ["i", "##stan", "##bul"])
        #expect(try pieces("STRASSE straße") == ["[UNK]", "straße"])
    }

    @Test func cjkIdeographsBecomeSeparateWords() throws {
        #expect(try pieces("東京") == ["東", "京"])
    }

    @Test func finalSigmaFollowsPythonLower() throws {
        #expect(try pieces("Σ") == ["σ"])
        #expect(try pieces("xΣ") == ["[UNK]"])  // "xς": no "##ς" in this vocabulary
    }

    @Test func controlCharactersAreRemovedAndWhitespaceSplits() throws {
        #expect(try pieces("hel\u{0}lo\u{FFFD}\u{200B}\tthe\u{00A0}the\u{2028}the") == ["hello", "the", "the", "the"])
        #expect(try pieces("   \n\t ") == [])
        #expect(try pieces("") == [])
    }

    @Test func literalSpecialTokensKeepTheirIDs() throws {
        #expect(try pieces("hello[SEP]the [MASK]") == ["hello", "[SEP]", "the", "[MASK]"])
        let tokenizer = try #require(Self.tokenizer)
        #expect(tokenizer.tokenize("hello [UNK] the", dropUnknown: true) == [13, 11])
    }

    @Test func wordsLongerThanOneHundredCharactersAreUnknown() throws {
        #expect(try pieces(String(repeating: "x", count: 100)).count == 100)
        #expect(try pieces(String(repeating: "x", count: 101)) == ["[UNK]"])
    }

    @Test func truncationAndUnknownDropping() throws {
        let tokenizer = try #require(Self.tokenizer)
        #expect(tokenizer.tokenize("hello the cafe", maxTokens: 2) == [13, 11])
        #expect(tokenizer.tokenize("zzz hello qqq the", dropUnknown: true) == [13, 11])
        #expect(tokenizer.encode("hello the cafe", maxLength: 4) == [2, 13, 11, 3])
        #expect(tokenizer.encode("", maxLength: 4) == [2, 3])
    }

    @Test func vocabularyLookupRoundTrips() throws {
        let tokenizer = try #require(Self.tokenizer)
        #expect(tokenizer.vocabulary.id(of: "##aff") == 5)
        #expect(tokenizer.vocabulary.id(of: "aff") == nil)
        #expect(tokenizer.vocabulary.token(of: 17) == "東")
        #expect(tokenizer.vocabulary.count == Self.tokens.count)
    }

    @Test func realVocabularyOnTrickyText() throws {
        let directory = try Fixtures.modelDirectory(.minilm)
        let tokenizer = try WordPieceTokenizer(contentsOf: directory.appendingPathComponent("vocab.txt"))
        let ids = tokenizer.tokenize("Hello, WORLD! naïve ﬁne")
        #expect(tokenizer.tokens(ids) == ["hello", ",", "world", "!", "naive", "ﬁ", "##ne"])
        let special = tokenizer.tokenize("a[SEP]b [sep] [SEP")
        #expect(tokenizer.tokens(special) == ["a", "[SEP]", "b", "[", "sep", "]", "[", "sep"])
        let long = Array(repeating: "word", count: 1000).joined(separator: " ")
        #expect(tokenizer.encode(long, maxLength: 256).count == 256)
    }
}
