import Foundation

extension PIIDetector {
    /// Key words after which a high-entropy token is taken for a secret.
    static let secretWords = ["api key", "api_key", "apikey", "api-key", "secret", "secret key", "secret_key",
                              "client_secret", "access key", "access_key", "token", "auth token", "password",
                              "passwd", "pwd", "private key", "credentials", "bearer"].map(ScalarText.foldedPhrase)

    /// API keys and secrets: AWS access key ids, GitHub tokens, OpenAI-style `sk-` keys, Slack tokens, PEM
    /// private key blocks, JWTs, and high-entropy tokens right after "key", "secret", "token", "password", ….
    static func secrets(_ text: ScalarText) -> [PIIMatch] {
        var found: [PIIMatch] = []
        var i = 0
        while i < text.count {
            if !text.isAlnum(i - 1), let (end, detail) = prefixedSecret(text, i) {
                found.append(match(.secret, detail, i..<end, text))
                i = end
            } else if text[i] == "-", let end = privateKeyBlock(text, i) {
                found.append(match(.secret, "private_key", i..<end, text))
                i = end
            } else {
                i += 1
            }
        }
        found += keywordSecrets(text, excluding: found.map(\.range))
        return found
    }

    /// Characters of base64url and the usual token alphabets.
    private static func isTokenScalar(_ s: Unicode.Scalar) -> Bool {
        ScalarText.isASCIIAlnum(s) || s == "_" || s == "-"
    }

    /// The end of a run of `isTokenScalar` from `i`.
    private static func tokenEnd(_ text: ScalarText, from i: Int, allowing extra: String = "") -> Int {
        var j = i
        while let s = text.at(j), isTokenScalar(s) || extra.unicodeScalars.contains(s) { j += 1 }
        return j
    }

    private static func prefixedSecret(_ text: ScalarText, _ i: Int) -> (Int, String)? {
        let s = text[i]
        switch s {
        case "A":
            // AWS access key ids: a four-letter prefix and 16 upper-case letters or digits.
            for prefix in ["AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA"]
            where text.matches(prefix, at: i) {
                var j = i + 4
                while let c = text.at(j), ScalarText.isASCIIUpper(c) || ScalarText.isASCIIDigit(c) { j += 1 }
                if j - i == 20 { return (j, "aws_access_key") }
            }
        case "g":
            for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] where text.matches(prefix, at: i) {
                let end = tokenEnd(text, from: i + 4)
                if end - i - 4 >= 36 { return (end, "github_token") }
            }
            if text.matches("github_pat_", at: i), tokenEnd(text, from: i + 11) - i - 11 >= 22 {
                return (tokenEnd(text, from: i + 11), "github_token")
            }
        case "s":
            // OpenAI-style keys (`sk-…`, `sk-proj-…`, and Anthropic's `sk-ant-…`): at least 20 more characters
            // with both letters and digits, so `sk-learn` or `sk-ip-this` are not keys.
            if text.matches("sk-", at: i) {
                let end = tokenEnd(text, from: i + 3)
                let body = text.scalars[(i + 3)..<end]
                if body.count >= 20, body.contains(where: ScalarText.isASCIIDigit),
                   body.contains(where: ScalarText.isASCIILetter) {
                    return (end, text.string(i..<min(end, i + 7)) == "sk-ant-" ? "anthropic_api_key" : "openai_api_key")
                }
            }
        case "x":
            // Slack: xoxb-, xoxp-, xoxa-, xoxr-, xoxs-, xoxo- tokens and xapp- app tokens.
            let head = text.string(i..<min(text.count, i + 5))
            if (head.hasPrefix("xox") && "abposr".contains(head.dropFirst(3).prefix(1)) && head.hasSuffix("-"))
                || head == "xapp-" {
                let end = tokenEnd(text, from: i + 5)
                let body = text.scalars[(i + 5)..<end]
                if body.count >= 10, body.contains(where: ScalarText.isASCIIDigit) { return (end, "slack_token") }
            }
        case "e":
            if let end = jwt(text, i) { return (end, "jwt") }
        default:
            break
        }
        return nil
    }

    /// `header.payload.signature` in base64url, where the header decodes to a JSON object naming its `alg`.
    private static func jwt(_ text: ScalarText, _ i: Int) -> Int? {
        guard text.matches("eyJ", at: i) else { return nil }
        let headerEnd = tokenEnd(text, from: i)
        guard text.at(headerEnd) == ".", text.matches("eyJ", at: headerEnd + 1) else { return nil }
        let payloadEnd = tokenEnd(text, from: headerEnd + 1)
        guard text.at(payloadEnd) == "." else { return nil }
        let signatureEnd = tokenEnd(text, from: payloadEnd + 1)
        guard headerEnd - i >= 10, payloadEnd - headerEnd > 10, signatureEnd - payloadEnd > 10,
              let header = base64URLDecode(text.string(i..<headerEnd)),
              let json = String(data: header, encoding: .utf8), json.contains("\"alg\"") else { return nil }
        return signatureEnd
    }

    static func base64URLDecode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.utf8.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }

    /// `-----BEGIN … PRIVATE KEY-----` up to its END line (or the end of the text: a cut-off key is still a leak).
    private static func privateKeyBlock(_ text: ScalarText, _ i: Int) -> Int? {
        guard text.matches("-----BEGIN ", at: i) else { return nil }
        var j = i + 11
        while j < text.count, j - i < 60, text[j] != "-", text[j] != "\n" { j += 1 }
        let label = text.string(i + 11..<j)
        guard label.hasSuffix("PRIVATE KEY"), text.matches("-----", at: j) else { return nil }
        var k = j + 5
        while k < text.count {
            if text[k] == "-", text.matches("-----END ", at: k) {
                var end = k + 9
                while end < text.count, end - k < 80, text[end] != "\n" {
                    if text.matches("-----", at: end) { return end + 5 }
                    end += 1
                }
                return end
            }
            k += 1
        }
        return text.count
    }

    /// A token of 16 or more characters with letters and digits and at least 3 bits of entropy per character,
    /// within a few separators (`:`, `=`, quotes, "is") after a secret key word.
    private static func keywordSecrets(_ text: ScalarText, excluding taken: [Range<Int>]) -> [PIIMatch] {
        var found: [PIIMatch] = []
        for word in secretWords {
            for start in text.wordOccurrences(of: word, prefix: true) {
                var j = start + word.count
                // Rest of the key word (`token_value`, `passwords`), then separators.
                while text.isAlnum(j) || text.at(j) == "_" { j += 1 }
                let gapStart = j
                while let c = text.at(j), j - gapStart <= 12, " \t:=\"'`>".unicodeScalars.contains(c)
                    || (c == "i" && text.at(j + 1) == "s" && text.at(j + 2) == " " && text.at(j - 1) == " ") {
                    j += c == "i" ? 2 : 1
                }
                let end = tokenEnd(text, from: j, allowing: "+/=.")
                var tokenEndIndex = end
                while tokenEndIndex > j, let c = text.at(tokenEndIndex - 1), c == "." { tokenEndIndex -= 1 }
                let range = j..<tokenEndIndex
                guard range.count >= 16, range.count <= 200, !taken.contains(where: { $0.overlaps(range) }),
                      !found.contains(where: { $0.range.overlaps(range) }) else { continue }
                let token = text.scalars[range]
                guard token.contains(where: ScalarText.isASCIIDigit), token.contains(where: ScalarText.isASCIILetter),
                      entropy(token) >= 3.0 else { continue }
                found.append(match(.secret, "high_entropy_token", range, text))
            }
        }
        return found
    }

    /// Shannon entropy in bits per character.
    static func entropy(_ scalars: some Collection<Unicode.Scalar>) -> Double {
        var counts: [Unicode.Scalar: Int] = [:]
        for s in scalars { counts[s, default: 0] += 1 }
        let total = Double(scalars.count)
        return counts.values.reduce(0) { sum, count in
            let p = Double(count) / total
            return sum - p * log2(p)
        }
    }
}
