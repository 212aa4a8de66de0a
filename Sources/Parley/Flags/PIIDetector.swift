/// What kind of personal data or secret a `PIIMatch` is.
public enum PIIKind: String, CaseIterable, Sendable, Codable {
    case email
    case phone
    case paymentCard = "payment_card"
    case iban
    case nationalID = "national_id"
    case secret

    /// The text `PIIRedactor` puts in its place.
    public var placeholder: String {
        switch self {
        case .email: "[EMAIL]"
        case .phone: "[PHONE]"
        case .paymentCard: "[CARD]"
        case .iban: "[IBAN]"
        case .nationalID: "[NATIONAL_ID]"
        case .secret: "[SECRET]"
        }
    }

    /// Which kind wins when two matches overlap (a card number also looks like a phone number).
    var precedence: Int {
        switch self {
        case .secret: 0
        case .paymentCard: 1
        case .iban: 2
        case .nationalID: 3
        case .email: 4
        case .phone: 5
        }
    }
}

/// One piece of personal data or one secret found in a text.
public struct PIIMatch: Sendable, Equatable {
    public var kind: PIIKind
    /// The precise form: `visa`, `us_ssn`, `uk_nino`, `aws_access_key`, `github_token`, `jwt`, ….
    public var detail: String
    /// Unicode scalar offsets in the text, end exclusive.
    public var range: Range<Int>
    /// The matched text.
    public var text: String
}

/// Finds personal data and secrets: e-mail addresses, phone numbers (international too), payment cards (Luhn),
/// IBANs (mod-97), US social security and UK national insurance numbers, and API keys and secrets (AWS, GitHub,
/// OpenAI-style `sk-` keys, Slack, private key blocks, JWTs, high-entropy tokens after "key", "secret", "token"
/// or "password").
///
/// Pure Swift over Unicode scalars, no regular expressions: checksums and context rules keep near-misses out
/// (order numbers, dates, versions, IP addresses, `sk-learn`).
public struct PIIDetector: Sendable {
    public var kinds: Set<PIIKind>

    public init(kinds: Set<PIIKind> = Set(PIIKind.allCases)) {
        self.kinds = kinds
    }

    /// Every match in `text`, in order, without overlaps.
    public func matches(in text: String) -> [PIIMatch] {
        matches(in: ScalarText(text))
    }

    func matches(in text: ScalarText) -> [PIIMatch] {
        var candidates: [PIIMatch] = []
        if kinds.contains(.secret) { candidates += Self.secrets(text) }
        if kinds.contains(.paymentCard) { candidates += Self.paymentCards(text) }
        if kinds.contains(.iban) { candidates += Self.ibans(text) }
        if kinds.contains(.nationalID) { candidates += Self.nationalIDs(text) }
        if kinds.contains(.email) { candidates += Self.emails(text) }
        if kinds.contains(.phone) { candidates += Self.phones(text) }
        return Self.withoutOverlaps(candidates)
    }

    /// Keeps the match of highest precedence (then the longest) wherever several overlap.
    static func withoutOverlaps(_ candidates: [PIIMatch]) -> [PIIMatch] {
        let ordered = candidates.sorted {
            ($0.kind.precedence, -$0.range.count, $0.range.lowerBound) < ($1.kind.precedence, -$1.range.count, $1.range.lowerBound)
        }
        var kept: [PIIMatch] = []
        for candidate in ordered where !kept.contains(where: { $0.range.overlaps(candidate.range) }) {
            kept.append(candidate)
        }
        return kept.sorted { $0.range.lowerBound < $1.range.lowerBound }
    }

    static func match(_ kind: PIIKind, _ detail: String, _ range: Range<Int>, _ text: ScalarText) -> PIIMatch {
        PIIMatch(kind: kind, detail: detail, range: range, text: text.string(range))
    }

    // MARK: E-mail

    /// `local@domain.tld`: the local part of RFC 5322's common characters, a domain of at least two labels and
    /// a top-level domain of two or more letters (so `user@localhost` and `a@b.c` are not addresses).
    static func emails(_ text: ScalarText) -> [PIIMatch] {
        var found: [PIIMatch] = []
        var lastEnd = 0
        for at in 0..<text.count where text[at] == "@" && at >= lastEnd {
            var start = at
            while start > 0, isLocalScalar(text[start - 1]) { start -= 1 }
            while start < at, text[start] == "." { start += 1 }
            guard start < at, at - start <= 64, text[at - 1] != "." else { continue }
            var end = at + 1
            while end < text.count, ScalarText.isASCIIAlnum(text[end]) || text[end] == "-" || text[end] == "." { end += 1 }
            while end > at + 1, text[end - 1] == "." || text[end - 1] == "-" { end -= 1 }
            let labels = text.string(at + 1..<end).split(separator: ".", omittingEmptySubsequences: false)
            guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && $0.first != "-" && $0.last != "-" }),
                  let tld = labels.last, tld.count >= 2, tld.unicodeScalars.allSatisfy(ScalarText.isASCIILetter)
            else { continue }
            found.append(match(.email, "email", start..<end, text))
            lastEnd = end
        }
        return found
    }

    private static func isLocalScalar(_ s: Unicode.Scalar) -> Bool {
        ScalarText.isASCIIAlnum(s) || "._%+-'".unicodeScalars.contains(s)
    }

    // MARK: Phone numbers

    static let phoneWords = ["phone", "tel", "telephone", "call", "mobile", "cell", "whatsapp", "sms", "fax",
                             "téléphone", "telefon", "teléfono", "telefono", "handy"].map(ScalarText.foldedPhrase)

    /// Phone numbers: `+` and 8–15 digits (E.164, any grouping); North American `(415) 555-2671`, `415-555-2671`,
    /// `1 415 555 2671`; national numbers with a trunk `0` in groups (`020 7946 0958`, `06 12 34 56 78`); and bare
    /// runs of 10–11 digits only right after a word such as "phone" or "call". Dates, IP addresses and versions
    /// (`2024-05-01`, `192.168.1.10`, `1.2.3.4`) are not phone numbers.
    static func phones(_ text: ScalarText) -> [PIIMatch] {
        var found: [PIIMatch] = []
        var i = 0
        while i < text.count {
            let s = text[i]
            let startsHere = (s == "+" || s == "(") ? text.isDigit(i + 1) : ScalarText.isASCIIDigit(s)
            guard startsHere, !text.isAlnum(i - 1), !(text.at(i - 1).map { "+-.,/".unicodeScalars.contains($0) } ?? false)
            else { i += 1; continue }
            // Digits and single separators; a `(` may follow a space, a `)` a digit.
            var groups: [Int] = []
            var separators: Set<Unicode.Scalar> = []
            var current = 0
            var end = i
            var j = s == "+" ? i + 1 : i
            var parenthesised = false
            while j < text.count {
                let c = text[j]
                if ScalarText.isASCIIDigit(c) {
                    current += 1
                    j += 1
                    end = j
                } else if c == " " && current > 0 && text.at(j + 1) == "(" && text.isDigit(j + 2) {
                    groups.append(current)
                    current = 0
                    separators.insert(c)
                    j += 1
                } else if c == "(" && current == 0 && (j == i || text.at(j - 1) == " ") && text.isDigit(j + 1) {
                    parenthesised = true
                    j += 1
                } else if c == ")" && current > 0 && parenthesised {
                    groups.append(current)
                    current = 0
                    separators.insert(")")
                    j += 1
                    if text.at(j) == " " || text.at(j) == "-" { j += 1 }
                } else if (c == " " || c == "-" || c == ".") && current > 0 && text.isDigit(j + 1) {
                    groups.append(current)
                    current = 0
                    separators.insert(c)
                    j += 1
                } else {
                    break
                }
            }
            if current > 0 { groups.append(current) }
            defer { i = max(end, i + 1) }
            guard !text.isAlnum(end), !(text.at(end) == "." && text.isDigit(end + 1)) else { continue }
            let digits = groups.reduce(0, +)
            let international = s == "+"
            var accepted = false
            if international {
                accepted = (8...15).contains(digits) && groups.allSatisfy { $0 <= 5 || groups.count == 1 }
            } else if separators.contains(".") {
                accepted = groups == [3, 3, 4]
            } else if groups.count == 1 {
                accepted = (10...11).contains(digits) && followsPhoneWord(text, i)
            } else if groups == [4, 2, 2] || groups == [2, 2, 4] {
                accepted = false
            } else {
                let first = text[s == "(" ? i + 1 : i]
                let nanp = (groups == [3, 3, 4] || groups == [1, 3, 3, 4]) && (groups.count == 3 || first == "1")
                let trunk = first == "0" && (10...11).contains(digits) && groups.count >= 2 && groups.allSatisfy { $0 >= 2 }
                accepted = nanp || trunk || ((10...11).contains(digits) && followsPhoneWord(text, i))
            }
            if accepted { found.append(match(.phone, international ? "international" : "national", i..<end, text)) }
        }
        return found
    }

    /// Whether a word such as "phone" or "call" ends within 25 scalars before `i`.
    private static func followsPhoneWord(_ text: ScalarText, _ i: Int) -> Bool {
        let window = max(0, i - 25)..<i
        return phoneWords.contains { !text.wordOccurrences(of: $0, in: window).isEmpty }
    }
}
