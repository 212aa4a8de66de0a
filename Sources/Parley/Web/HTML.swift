import Mustache

/// Markup that is already safe to place in a page: escaped text plus tags this program wrote.
///
/// Templates print it with the triple mustache (`{{{chartHtml}}}`); every other value goes through the double
/// mustache and is escaped. By convention, and checked by a test, triple mustaches only name keys ending in
/// `Html`, and only `HTML` values are stored under them.
public struct HTML: Sendable, CustomStringConvertible, MustacheCustomRenderable {
    /// The markup.
    public let markup: String

    /// Wraps markup this program built; never pass text that came from input.
    public init(trusted markup: String) { self.markup = markup }

    /// Escaped text.
    public init(text: some StringProtocol) { self.markup = HTML.escape(text) }

    public var description: String { markup }
    public var renderText: String { markup }
    public var isNull: Bool { false }

    /// `&`, `<`, `>`, `"` and `'` as character references (safe in text and in quoted attributes).
    public static func escape(_ text: some StringProtocol) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    /// Text with the spans between `start` and `end` markers wrapped in `<mark>`, everything escaped.
    ///
    /// Used for search highlights: PostgreSQL's `ts_headline` marks matches with private-use characters,
    /// which cannot be confused with markup in the text itself.
    public static func highlighted(_ text: String, start: Character = "\u{E000}", end: Character = "\u{E001}") -> HTML {
        var output = ""
        var inside = false
        var run = ""
        func flush() {
            output += escape(run)
            run = ""
        }
        for character in text {
            if character == start, !inside {
                flush()
                output += "<mark>"
                inside = true
            } else if character == end, inside {
                flush()
                output += "</mark>"
                inside = false
            } else if character != start && character != end {
                run.append(character)
            }
        }
        flush()
        if inside { output += "</mark>" }
        return HTML(trusted: output)
    }
}
