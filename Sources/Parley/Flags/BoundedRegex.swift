import Foundation

/// A regular expression that cannot run away: checked for catastrophic backtracking when a rule is saved, and
/// matched with a time limit and on a bounded length of input.
///
/// `NSRegularExpression` (ICU) has no time limit of its own. Two defences:
/// - at creation, backreferences and quantified groups that contain a quantifier (`(a+)+`, `(\w*\s?)*`) are
///   refused, and the pattern is then run on adversarial inputs under a deadline; one that is still slow is refused;
/// - when matching, only the first `maxInput` UTF-16 units of a message are read, and `enumerateMatches` runs with
///   `.reportProgress`, whose callback ICU calls during long matches: past the deadline it stops the match.
/// Matching is synchronous: callers run it off the cooperative pool (the flag jobs evaluate in `offThread`).
final class BoundedRegex {
    /// Why a pattern was refused, for the 422.
    struct Refusal: Error, Equatable {
        var message: String
    }

    /// The outcome of a search: matches as UTF-16 ranges, and whether the time limit cut it short.
    struct Search {
        var ranges: [NSRange] = []
        var timedOut = false
    }

    static let maxPatternLength = 1_000
    /// UTF-16 units of one message that a pattern reads.
    static let maxInput = 20_000

    let pattern: String
    private let regex: NSRegularExpression

    /// Compiles a pattern and checks that it is safe.
    /// - Throws: `Refusal` with a message for people.
    init(_ pattern: String, ignoreCase: Bool, probe: Duration = .milliseconds(100)) throws(Refusal) {
        guard !pattern.isEmpty else { throw Refusal(message: "the pattern is empty") }
        guard pattern.utf16.count <= Self.maxPatternLength else {
            throw Refusal(message: "the pattern is longer than \(Self.maxPatternLength) characters")
        }
        if let problem = Self.structuralProblem(pattern) { throw Refusal(message: problem) }
        do {
            regex = try NSRegularExpression(pattern: pattern, options: ignoreCase ? [.caseInsensitive] : [])
        } catch {
            throw Refusal(message: "not a valid regular expression (ICU syntax)")
        }
        self.pattern = pattern
        for input in Self.adversarialInputs(for: pattern) where search(input, budget: probe, limit: 1).timedOut {
            throw Refusal(message: "the pattern backtracks catastrophically: it needs more than \(probe) on a "
                + "\(input.utf16.count)-character input; avoid nested quantifiers such as (a+)+")
        }
    }

    /// Compiles a pattern that was checked when its rule was saved (no probing again).
    init(checked pattern: String, ignoreCase: Bool) throws {
        regex = try NSRegularExpression(pattern: pattern, options: ignoreCase ? [.caseInsensitive] : [])
        self.pattern = pattern
    }

    /// Up to `limit` matches in the first `maxInput` UTF-16 units of `text`, stopping after `budget`.
    func search(_ text: String, budget: Duration, limit: Int = 20) -> Search {
        let ns = text as NSString
        let range = NSRange(location: 0, length: min(ns.length, Self.maxInput))
        var result = Search()
        let deadline = ContinuousClock.now + budget
        regex.enumerateMatches(in: text, options: [.reportProgress], range: range) { match, _, stop in
            if let match {
                result.ranges.append(match.range)
                if result.ranges.count >= limit { stop.pointee = true }
            }
            if ContinuousClock.now > deadline {
                result.timedOut = true
                stop.pointee = true
            }
        }
        return result
    }

    /// Backreferences, and a group with an unbounded quantifier inside that is itself repeated without bound:
    /// the shapes behind exponential backtracking.
    static func structuralProblem(_ pattern: String) -> String? {
        let p = Array(pattern.unicodeScalars)
        // For each open group: whether it contains an unbounded quantifier.
        var groups: [Bool] = []
        var inClass = false
        var i = 0
        func unboundedQuantifier(at j: Int) -> Bool {
            guard j < p.count else { return false }
            if p[j] == "*" || p[j] == "+" { return true }
            if p[j] == "{" {
                var k = j + 1
                var text = ""
                while k < p.count, p[k] != "}" { text.unicodeScalars.append(p[k]); k += 1 }
                let parts = text.split(separator: ",", omittingEmptySubsequences: false)
                if parts.count == 2 { return parts[1].isEmpty || (Int(parts[1]) ?? 0) > 20 }
                return (Int(text) ?? 0) > 20
            }
            return false
        }
        while i < p.count {
            let c = p[i]
            if c == "\\" {
                if i + 1 < p.count, !inClass {
                    let next = p[i + 1]
                    if ("1"..."9").contains(next) || next == "k" { return "backreferences are not allowed" }
                    if unboundedQuantifier(at: i + 2), !groups.isEmpty { groups[groups.count - 1] = true }
                }
                i += 2
                continue
            }
            if inClass {
                if c == "]" {
                    inClass = false
                    if unboundedQuantifier(at: i + 1), !groups.isEmpty { groups[groups.count - 1] = true }
                }
                i += 1
                continue
            }
            switch c {
            case "[":
                inClass = true
                if i + 1 < p.count, p[i + 1] == "]" { i += 1 }
            case "(":
                groups.append(false)
            case ")":
                let inner = groups.popLast() ?? false
                if inner && unboundedQuantifier(at: i + 1) {
                    return "nested quantifiers (a repeated group that itself contains + or *) can backtrack "
                        + "catastrophically; rewrite the pattern without them"
                }
                if (inner || unboundedQuantifier(at: i + 1)), !groups.isEmpty { groups[groups.count - 1] = true }
            default:
                if unboundedQuantifier(at: i + 1), !groups.isEmpty { groups[groups.count - 1] = true }
            }
            i += 1
        }
        return nil
    }

    /// Inputs that make backtracking patterns slow: long runs of each literal character of the pattern (and of
    /// letters, digits and spaces), alternating pairs, each ending in a character that makes the match fail.
    static func adversarialInputs(for pattern: String) -> [String] {
        var characters: [Character] = ["a", "0", " ", "x"]
        for c in pattern where c.isLetter || c.isNumber || c.isPunctuation || c == " " {
            if !characters.contains(c) { characters.append(c) }
            if characters.count >= 12 { break }
        }
        var inputs: [String] = []
        for c in characters { inputs.append(String(repeating: c, count: 3_000) + "\u{1}!") }
        for (a, b) in zip(characters, characters.dropFirst()) {
            inputs.append(String(repeating: "\(a)\(b)", count: 1_500) + "\u{1}!")
        }
        return inputs
    }
}
