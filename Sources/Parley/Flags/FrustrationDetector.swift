/// Finds frustrated users: negative feedback, the same question asked again, phrases such as "that's not what I
/// asked" or "let me talk to a human", and, weighing less, shouting in capitals, profanity and "???".
///
/// Each signal has a weight; the conversation counts as frustrated when the weights add up to 1 (a rule may ask
/// for more with `threshold`). Strong signals (a thumb down, a repeated question, an explicit phrase) count 1 on
/// their own; capitals (0.6), profanity (0.6), single words such as "ridiculous" (0.5) and "!!!"/"???" (0.3)
/// need company, so "WHAT IS THE FEE FOR NASA?" alone does not fire.
public struct FrustrationDetector: ConversationDetector {
    public let name = "frustration"
    public let kinds = ["negative_feedback", "repeated_question", "phrase", "all_caps", "profanity", "punctuation"]
    public let defaultRoles: Set<String>? = ["user"]
    /// Word overlap (Jaccard) from which two user turns are the same question.
    public var repetitionSimilarity = 0.8

    public init() {}

    static let phrases = PhraseList([
        "this is useless", "you're useless", "you are useless", "not helpful", "not helping", "you're not helping",
        "that's not what i asked", "that is not what i asked", "not what i asked", "i already told you",
        "i already said", "as i said", "like i said", "i told you", "are you even listening", "you're not listening",
        "you are not listening", "you don't understand", "you do not understand", "speak to a human",
        "talk to a human", "speak to a real person", "talk to a real person", "speak to an agent", "talk to an agent",
        "speak to a person", "human agent", "this is ridiculous", "waste of time", "wasting my time",
        "still not working", "still doesn't work", "still does not work", "still broken", "still wrong",
        "didn't answer my question", "doesn't answer my question", "you didn't answer", "for the last time",
        "frustrat*", "fed up", "sick of this", "i give up", "what the hell", "wtf", "are you kidding",
        "ça ne marche pas", "ça marche toujours pas", "ne sert à rien", "funktioniert immer noch nicht",
        "sigue sin funcionar", "no sirve para nada", "não serve para nada", "continua sem funcionar",
    ]) + PhraseList(["ridiculous", "annoying", "terrible", "useless", "pointless", "hopeless", "awful", "inutile",
                     "funktioniert nicht", "sinnlos", "no funciona", "inútil", "não funciona"], weight: 0.5)

    static let profanity = PhraseList(["fuck*", "shit", "shitty", "bullshit", "crap", "crappy", "damn", "goddamn",
                                       "piss off", "screw this", "merde", "scheiße", "scheisse", "mierda", "joder",
                                       "cazzo", "porra"], weight: 0.6)

    public func findings(in conversation: DetectorConversation, roles: Set<String>?) -> [DetectorFinding] {
        var found: [DetectorFinding] = []
        if conversation.feedbackThumb == -1 {
            found.append(DetectorFinding(detector: name, kind: "negative_feedback", reason: "the user gave a thumb down"))
        }
        if let rating = conversation.feedbackRating, rating <= 2 {
            found.append(DetectorFinding(detector: name, kind: "negative_feedback",
                                         reason: "the user rated the conversation \(rating) of 5"))
        }
        let indices = conversation.indices(roles: roles)
        var earlier: [(index: Int, words: Set<String>)] = []
        for index in indices {
            let text = conversation.texts[index]
            for (entry, range) in Self.phrases.occurrences(in: text) {
                found.append(finding("phrase", "the user wrote “\(text.string(range))”", index, range, text, entry.weight))
            }
            for (entry, range) in Self.profanity.occurrences(in: text) {
                found.append(finding("profanity", "profanity: “\(text.string(range))”", index, range, text, entry.weight))
            }
            if let range = Self.shouting(text) {
                found.append(finding("all_caps", "the user wrote in capitals", index, range, text, 0.6))
            }
            if let range = Self.punctuationBurst(text) {
                found.append(finding("punctuation", "the user wrote “\(text.string(range))”", index, range, text, 0.3))
            }
            let words = Self.words(text)
            if words.count >= 3 {
                if let previous = earlier.first(where: { Self.jaccard($0.words, words) >= repetitionSimilarity }) {
                    let range = 0..<text.count
                    found.append(finding("repeated_question",
                                         "the user asked again what they asked in message \(previous.index)",
                                         index, range, text, 1))
                }
                earlier.append((index, words))
            }
        }
        return found
    }

    private func finding(_ kind: String, _ reason: String, _ index: Int, _ range: Range<Int>, _ text: ScalarText,
                         _ score: Double) -> DetectorFinding {
        DetectorFinding(detector: name, kind: kind, reason: reason, messageIndex: index, range: range,
                        excerpt: text.excerpt(range), score: score)
    }

    /// The span of a message mostly in capitals: at least 12 letters and 3 words, 80 % of the letters upper
    /// case, and two words of three or more capitals (acronyms in a normal sentence do not count).
    static func shouting(_ text: ScalarText) -> Range<Int>? {
        var letters = 0, upper = 0, shoutedWords = 0, wordCount = 0, run = 0, inWord = false
        var first: Int?, last = 0
        for (i, s) in text.scalars.enumerated() {
            if s.properties.isAlphabetic {
                letters += 1
                if !inWord { wordCount += 1; inWord = true; run = 0 }
                if s.properties.isUppercase {
                    upper += 1
                    run += 1
                    if run == 3 { shoutedWords += 1 }
                    if first == nil { first = i }
                    last = i + 1
                }
            } else {
                inWord = false
            }
        }
        guard letters >= 12, wordCount >= 3, Double(upper) >= 0.8 * Double(letters), shoutedWords >= 2,
              let first else { return nil }
        return first..<last
    }

    /// `!!!`, `???`, `?!?` and longer.
    static func punctuationBurst(_ text: ScalarText) -> Range<Int>? {
        var start = 0, length = 0
        for (i, s) in text.scalars.enumerated() {
            if s == "!" || s == "?" {
                if length == 0 { start = i }
                length += 1
                if length >= 3 {
                    var end = i + 1
                    while text.at(end) == "!" || text.at(end) == "?" { end += 1 }
                    return start..<end
                }
            } else {
                length = 0
            }
        }
        return nil
    }

    /// The message's words, folded, without one- and two-letter words.
    static func words(_ text: ScalarText) -> Set<String> {
        var words: Set<String> = []
        var current = String.UnicodeScalarView()
        func flush() {
            if current.count >= 3 { words.insert(String(current)) }
            current = String.UnicodeScalarView()
        }
        for s in text.folded {
            if ScalarText.isWord(s) { current.append(s) } else { flush() }
        }
        flush()
        return words
    }

    static func jaccard(_ a: Set<String>, _ b: Set<String>) -> Double {
        let union = a.union(b).count
        return union == 0 ? 0 : Double(a.intersection(b).count) / Double(union)
    }
}
