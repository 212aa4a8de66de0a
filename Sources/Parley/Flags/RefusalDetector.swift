/// Finds assistant turns that refuse: "I'm sorry, but I can't help with that", "As an AI language model…",
/// "Je ne peux pas vous aider", "No puedo ayudarte con eso", ….
///
/// Refusals lead: only the opening of a turn (its first 400 characters) is read, so an answer that later says
/// "I can't stress this enough" is not one. First-person inability ("I can't", "I'm unable to") counts only
/// when the next word is a verb of helping (help, assist, provide, comply, …): "I can't wait to help" does not.
public struct RefusalDetector: ConversationDetector {
    public let name = "refusal"
    public let kinds = ["refusal"]
    public let defaultRoles: Set<String>? = ["assistant"]
    /// How much of a turn is read.
    public var openingLength = 400

    public init() {}

    static let phrases = PhraseList([
        // English: apologies that introduce a refusal, policy language, AI disclaimers.
        "i'm sorry, but i can't", "i'm sorry, but i cannot", "i'm sorry, but i won't", "i'm sorry, i can't",
        "i'm sorry, i cannot", "sorry, but i can't", "sorry, i can't", "i apologize, but i can't",
        "i apologize, but i cannot", "i must decline", "i have to decline", "i'll have to decline",
        "i'm not comfortable", "i am not comfortable", "as an ai language model", "as an ai, i can't",
        "as an ai, i cannot", "against my guidelines", "violates my guidelines", "against my programming",
        "i'm not allowed to", "i am not allowed to", "i'm not permitted to", "i am not permitted to",
        "it's not appropriate for me to", "it would not be appropriate for me to", "i can't help with that",
        "i cannot help with that", "i can't assist with that", "i cannot assist with that",
        // French, German, Spanish, Italian, Portuguese, Dutch: the common openings of a refusal.
        "je ne peux pas vous aider", "je ne peux pas t'aider", "je ne peux pas répondre", "je ne peux pas fournir",
        "je ne suis pas en mesure de", "désolé, mais je ne peux pas", "désolée, mais je ne peux pas",
        "ich kann ihnen dabei nicht helfen", "ich kann dir dabei nicht helfen", "ich kann dabei nicht helfen",
        "ich kann ihnen nicht helfen", "ich bin nicht in der lage", "es tut mir leid, aber ich kann",
        "no puedo ayudarte con", "no puedo ayudarle con", "no puedo ayudar con", "lo siento, pero no puedo",
        "no puedo proporcionar", "no estoy en condiciones de", "non posso aiutarti", "non posso aiutarla",
        "mi dispiace, ma non posso", "non sono in grado di", "não posso ajudar", "desculpe, mas não posso",
        "não consigo ajudar", "ik kan je daar niet mee helpen", "ik kan u daar niet mee helpen",
    ])

    static let inability = PhraseList(["i can't", "i cannot", "i can not", "i won't", "i will not", "i'm unable to",
                                       "i am unable to", "i'm not able to", "i am not able to", "i'm afraid i can't",
                                       "i won't be able to", "i will not be able to", "i'm not going to"])

    static let helpingVerbs: Set<String> = [
        "help", "assist", "provide", "comply", "answer", "fulfill", "fulfil", "share", "create", "generate", "discuss",
        "engage", "support", "write", "give", "produce", "participate", "do", "complete", "continue", "offer", "disclose",
        "reveal", "recommend", "advise",
    ]

    public func findings(in conversation: DetectorConversation, roles: Set<String>?) -> [DetectorFinding] {
        var found: [DetectorFinding] = []
        for index in conversation.indices(roles: roles) {
            let text = conversation.texts[index]
            let opening = 0..<min(text.count, openingLength)
            var hit: Range<Int>?
            if let first = Self.phrases.occurrences(in: text, range: opening).first {
                hit = first.range
            } else {
                for occurrence in Self.inability.occurrences(in: text, range: opening) {
                    let (word, wordEnd) = Self.nextWord(text, after: occurrence.range.upperBound)
                    if Self.helpingVerbs.contains(word) {
                        hit = occurrence.range.lowerBound..<wordEnd
                        break
                    }
                }
            }
            if let hit {
                found.append(DetectorFinding(
                    detector: name, kind: "refusal", reason: "the assistant refused: “\(text.string(hit))”",
                    messageIndex: index, range: hit, excerpt: text.excerpt(hit)))
            }
        }
        return found
    }

    /// The next word after `i`, skipping adverbs that do not change the meaning ("really", "currently", "be able to").
    static func nextWord(_ text: ScalarText, after i: Int) -> (String, Int) {
        var j = i
        while true {
            while j < text.count, !text.isWordScalar(at: j) { j += 1 }
            let start = j
            while j < text.count, text.isWordScalar(at: j) || text.folded[j] == "'" { j += 1 }
            var view = String.UnicodeScalarView()
            view.append(contentsOf: text.folded[start..<j])
            let word = String(view)
            if ["really", "currently", "directly", "personally", "actually", "just", "be", "able", "to", "further",
                "you", "with", "in"].contains(word), j < text.count, j - i < 40 {
                continue
            }
            return (word, j)
        }
    }
}
