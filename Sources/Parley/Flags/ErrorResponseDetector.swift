import Foundation

/// Finds answers that are not answers: no assistant reply, an empty assistant turn, an error message ("Error:",
/// "Internal Server Error", HTTP 5xx), a stack trace, or truncated output.
///
/// An assistant explaining an error is not one: error phrases count only at the very start of a turn or in a
/// short turn, and stack traces inside a fenced code block (```) are quoted, not thrown. A turn that only calls
/// tools is not empty.
public struct ErrorResponseDetector: ConversationDetector {
    public let name = "error_response"
    public let kinds = ["no_reply", "unanswered", "empty", "error_text", "http_5xx", "stack_trace", "truncated"]
    public let defaultRoles: Set<String>? = ["assistant"]

    public init() {}

    static let errorPhrases = PhraseList([
        "error:", "an error occurred", "an error has occurred", "an unexpected error", "internal server error",
        "something went wrong", "bad gateway", "service unavailable", "gateway timeout", "gateway time-out",
        "request timed out", "rate limit exceeded", "too many requests", "context_length_exceeded",
        "maximum context length", "exception:", "nullpointerexception", "segmentation fault", "fatal error:",
        "undefined is not a function", "failed to fetch", "upstream connect error",
    ])

    static let httpPrefixes = ["http ", "http/1.1 ", "http/1.0 ", "http/2 ", "status ", "status code ", "status: ",
                               "error ", "code "].map(ScalarText.foldedPhrase)

    static let danglingWords: Set<String> = ["the", "a", "an", "and", "or", "to", "of", "with", "for", "in", "that",
                                             "is", "are", "your", "my", "this", "but", "because", "which", "on"]

    public func findings(in conversation: DetectorConversation, roles: Set<String>?) -> [DetectorFinding] {
        var found: [DetectorFinding] = []
        let messages = conversation.messages
        let hasUser = messages.contains { $0.role == "user" }
        let assistantIndices = messages.indices.filter { messages[$0].role == "assistant" }
        if hasUser && assistantIndices.isEmpty {
            found.append(DetectorFinding(detector: name, kind: "no_reply", reason: "no assistant reply"))
        } else if let last = messages.lastIndex(where: { $0.role != "system" && $0.role != "tool" }),
                  messages[last].role == "user", !assistantIndices.isEmpty {
            found.append(DetectorFinding(detector: name, kind: "unanswered", reason: "the last user message has no reply",
                                         messageIndex: last))
        }
        let lastAssistant = assistantIndices.last
        for index in conversation.indices(roles: roles) where messages[index].role != "user" {
            let message = messages[index]
            let text = conversation.texts[index]
            let trimmed = message.text.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty {
                if !message.hasToolCalls && message.role == "assistant" {
                    found.append(DetectorFinding(detector: name, kind: "empty", reason: "an empty assistant turn",
                                                 messageIndex: index, range: 0..<0, excerpt: ""))
                }
                continue
            }
            let fenced = Self.fencedMask(text)
            if let hit = errorText(text, fenced: fenced) {
                found.append(finding(hit.kind, hit.reason, index, hit.range, text))
            }
            if let range = Self.stackTrace(text, fenced: fenced) {
                found.append(finding("stack_trace", "a stack trace in the answer", index, range, text))
            }
            if index == lastAssistant, let reason = Self.truncation(message, text) {
                let end = text.count
                found.append(finding("truncated", reason, index, max(0, end - 40)..<end, text))
            }
        }
        return found
    }

    private func finding(_ kind: String, _ reason: String, _ index: Int, _ range: Range<Int>,
                         _ text: ScalarText) -> DetectorFinding {
        DetectorFinding(detector: name, kind: kind, reason: reason, messageIndex: index, range: range,
                        excerpt: text.excerpt(range))
    }

    /// An error phrase or an HTTP 5xx status at the start of the turn (first 40 characters) or anywhere in a
    /// short turn (300 characters at most), outside code blocks.
    private func errorText(_ text: ScalarText, fenced: [Bool]) -> (kind: String, reason: String, range: Range<Int>)? {
        let short = text.count <= 300
        let window = 0..<(short ? text.count : min(text.count, 40))
        for (_, range) in Self.errorPhrases.occurrences(in: text, range: window) where !fenced[range.lowerBound] {
            return ("error_text", "an error message instead of an answer: “\(text.string(range))”", range)
        }
        for prefix in Self.httpPrefixes {
            for start in text.wordOccurrences(of: prefix, in: window) where !fenced[start] {
                let code = start + prefix.count
                guard text.at(code) == "5", text.isDigit(code + 1), text.isDigit(code + 2), !text.isAlnum(code + 3)
                else { continue }
                let range = start..<code + 3
                return ("http_5xx", "an HTTP server error: “\(text.string(range))”", range)
            }
        }
        // "500 Internal Server Error", "503 Service Unavailable" at the start.
        if text.at(0) == "5", text.isDigit(1), text.isDigit(2), text.at(3) == " ", !fenced[0] {
            let range = 0..<min(text.count, 3)
            return ("http_5xx", "an HTTP server error: “\(text.string(0..<min(text.count, 30)))”", range)
        }
        return nil
    }

    /// Which scalars are inside a fenced code block (between lines of ```).
    static func fencedMask(_ text: ScalarText) -> [Bool] {
        var mask = [Bool](repeating: false, count: text.count)
        var inside = false
        var i = 0
        while i < text.count {
            if text.matches("```", at: i) {
                inside.toggle()
                for k in i..<min(text.count, i + 3) { mask[k] = true }
                i += 3
                continue
            }
            mask[i] = inside
            i += 1
        }
        return mask
    }

    /// Two or more stack frames outside code blocks ("at com.x.Y(Y.java:12)", "  at f (file.js:3:9)",
    /// `File "x.py", line 3`), or Python's "Traceback (most recent call last)" or Go's "goroutine 1 [running]".
    static func stackTrace(_ text: ScalarText, fenced: [Bool]) -> Range<Int>? {
        let folded = text.folded
        var frames: [Range<Int>] = []
        var lineStart = 0
        for i in 0...text.count where i == text.count || text[i] == "\n" {
            var start = lineStart
            while start < i, folded[start] == " " || folded[start] == "\t" { start += 1 }
            defer { lineStart = i + 1 }
            guard start < i, !fenced[start] else { continue }
            let line = text.string(start..<i)
            if line.hasPrefix("Traceback (most recent call last)") || line.hasPrefix("goroutine ") && line.contains("[running]") {
                return start..<min(text.count, start + 200)
            }
            let javaLike = line.hasPrefix("at ") && line.contains("(") && line.contains(":") && line.hasSuffix(")")
            let pythonLike = line.hasPrefix("File \"") && line.contains("\", line ")
            if javaLike || pythonLike { frames.append(start..<i) }
        }
        guard frames.count >= 2, let first = frames.first, let last = frames.last else { return nil }
        return first.lowerBound..<last.upperBound
    }

    /// Why the final answer looks cut off: `finish_reason: length`, an unclosed code block, or a long answer ending
    /// on a comma, a colon or a word such as "the" or "and".
    static func truncation(_ message: DetectorConversation.Message, _ text: ScalarText) -> String? {
        if message.finishReason == "length" { return "the output hit its length limit (finish_reason: length)" }
        var fences = 0
        var i = 0
        while i < text.count {
            if text.matches("```", at: i) { fences += 1; i += 3 } else { i += 1 }
        }
        if fences % 2 == 1 { return "the answer ends inside an unclosed code block" }
        var end = text.count
        while end > 0, text[end - 1].properties.isWhitespace { end -= 1 }
        guard end >= 100, let last = text.at(end - 1) else { return nil }
        if last == "," || last == ":" || last == ";" { return "the answer ends on “\(Character(last))”" }
        var start = end
        while start > 0, text.isWordScalar(at: start - 1) { start -= 1 }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: text.folded[start..<end])
        let word = String(view)
        if danglingWords.contains(word) { return "the answer ends mid-sentence on “\(word)”" }
        return nil
    }
}
