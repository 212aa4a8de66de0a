@testable import Parley
import Testing

/// The PII detector on true positives and near-misses of every kind, and the redactor.
@Suite struct PIIDetectorTests {
    let detector = PIIDetector()

    /// The (kind, matched text) pairs found in `text`.
    func found(_ text: String) -> [String] {
        detector.matches(in: text).map { "\($0.kind.rawValue):\($0.text)" }
    }

    @Test func emailAddresses() {
        #expect(found("Write to jane.doe+news@example.co.uk today") == ["email:jane.doe+news@example.co.uk"])
        #expect(found("Contact: j_smith@mail.example.com.") == ["email:j_smith@mail.example.com"])
        // Near-misses: no dotted domain, a one-letter top-level domain, a mention, spelled out.
        #expect(found("ssh to user@localhost and ping @channel") == [])
        #expect(found("a@b.c and foo@bar") == [])
        #expect(found("john at example dot com") == [])
    }

    @Test func phoneNumbers() {
        for number in ["+44 20 7946 0958", "+1 (415) 555-2671", "(415) 555-2671", "415-555-2671", "415.555.2671",
                       "+33 6 12 34 56 78", "020 7946 0958", "+14155552671", "1 415 555 2671"] {
            #expect(found("Reach me at \(number) tomorrow").map { $0.hasPrefix("phone:") } == [true], "\(number)")
        }
        #expect(found("call me on 4155552671") == ["phone:4155552671"])
        // Near-misses: dates, IP addresses, versions, order numbers, amounts, times, short numbers.
        for text in ["on 2024-05-01 at 12:30:45", "server 192.168.100.200", "version 1.2.3.4 and v10.2.3",
                     "order 4155552671 shipped", "it costs 1,234,567 dollars", "extension 5551234", "ref 12345678"] {
            #expect(found(text) == [], "\(text)")
        }
    }

    @Test func paymentCardsPassLuhnAndHaveAnIssuer() {
        #expect(detector.matches(in: "card 4111 1111 1111 1111 exp 12/27").map(\.detail) == ["visa"])
        #expect(detector.matches(in: "5555-5555-5555-4444").map(\.detail) == ["mastercard"])
        #expect(detector.matches(in: "amex 378282246310005.").map(\.detail) == ["amex"])
        #expect(detector.matches(in: "6011111111111117").map(\.detail) == ["discover"])
        // Near-misses: one digit off (Luhn fails), all zeros (Luhn passes, no issuer), mixed separators, too long.
        #expect(found("card 4111 1111 1111 1112") == [])
        #expect(found("0000 0000 0000 0000") == [])
        #expect(found("1234 5678 9012 3456") == [])
        #expect(found("4111 1111-1111 1111") == [])
        #expect(found("41111111111111111111111") == [])
    }

    @Test func ibansPassMod97() {
        #expect(found("pay to GB82 WEST 1234 5698 7654 32 please") == ["iban:GB82 WEST 1234 5698 7654 32"])
        #expect(found("DE89370400440532013000") == ["iban:DE89370400440532013000"])
        #expect(found("FR14 2004 1010 0505 0001 3M02 606") == ["iban:FR14 2004 1010 0505 0001 3M02 606"])
        // Near-misses: a wrong check digit, an unknown country, too short.
        #expect(found("GB82 WEST 1234 5698 7654 33") == [])
        #expect(found("XX82WEST12345698765432") == [])
        #expect(found("DE89 3704 0044 0532 0130") == [])
    }

    @Test func nationalIdentityNumbers() {
        #expect(found("my SSN is 078-05-1120") == ["national_id:078-05-1120"])
        #expect(found("ssn: 123456789") == ["national_id:123456789"])
        #expect(found("NI number AB 12 34 56 C") == ["national_id:AB 12 34 56 C"])
        #expect(found("NINO AB123456C") == ["national_id:AB123456C"])
        // Near-misses: SSA never issues area 000, 666 or 9xx, group 00, serial 0000; bare nine digits need "SSN";
        // HMRC never issues TN, D… or the suffix E.
        for text in ["000-12-3456", "666-12-3456", "900-12-3456", "123-00-4567", "123-45-0000", "id 123456789",
                     "TN 12 34 56 A", "DA123456A", "AB123456E"] {
            #expect(found(text) == [], "\(text)")
        }
    }

    @Test func apiKeysAndSecrets() {
        let github = "ghp_" + String(repeating: "aB3dE5fG7h", count: 4).prefix(36)
        let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
            + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1c7\n-----END RSA PRIVATE KEY-----"
        let cases: [(String, String)] = [
            ("key AKIAIOSFODNN7EXAMPLE here", "aws_access_key"),
            ("token \(github)", "github_token"),
            ("OPENAI_API_KEY=sk-proj-abc123DEF456ghi789JKL012mno", "openai_api_key"),
            ("xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "slack_token"),
            ("here:\n\(pem)\nthanks", "private_key"),
            ("Authorization: Bearer \(jwt)", "jwt"),
            ("api_key = 'Zx8f3kQ9pL2mN7vR4tY6wB1c'", "high_entropy_token"),
            ("my password is Tq8xZ2pLm9vR4tY6wB1k ok", "high_entropy_token"),
        ]
        for (text, detail) in cases {
            let matches = detector.matches(in: text)
            #expect(matches.map(\.kind) == [.secret] && matches.map(\.detail) == [detail], "\(text): \(matches)")
        }
        #expect(detector.matches(in: "here:\n\(pem)\nthanks").first?.text == pem)
        // Near-misses.
        for text in ["AKIA1234", "use sk-learn for that", "risk-averse-strategy-for-everyone-2024", "xoxo-hugs",
                     "-----BEGIN PUBLIC KEY-----\nMIIBIjANBg\n-----END PUBLIC KEY-----", "eyJhbGciOi is a prefix",
                     "the secret to good bread is patience", "token: 11111111111111111111", "password: hunter2",
                     "token-based authentication", "ghp_short"] {
            #expect(found(text) == [], "\(text)")
        }
    }

    @Test func overlapsKeepTheStrongerKind() {
        // A card number also looks like a long phone number; it is reported once, as a card.
        #expect(found("call 4111 1111 1111 1111") == ["payment_card:4111 1111 1111 1111"])
    }

    @Test func offsetsAreUnicodeScalars() throws {
        let text = "🎉 émail: ana@example.org"
        let match = try #require(detector.matches(in: text).first)
        let scalars = Array(text.unicodeScalars)
        #expect(match.range == 9..<24)
        #expect(String(String.UnicodeScalarView(scalars[match.range])) == "ana@example.org")
    }

    @Test func redactorReplacesEveryMatch() {
        let redactor = PIIRedactor()
        #expect(redactor.redact("Mail jane@example.com, card 4111 1111 1111 1111, call +44 20 7946 0958.")
            == "Mail [EMAIL], card [CARD], call [PHONE].")
        #expect(redactor.redact("nothing to see") == "nothing to see")
        let only = PIIRedactor(kinds: [.email], placeholders: [.email: "<email>"])
        let redaction = only.redaction(of: "a@example.com and 4111 1111 1111 1111")
        #expect(redaction.text == "<email> and 4111 1111 1111 1111")
        #expect(redaction.matches.map(\.kind) == [.email])
        #expect(PIIRedactor().redact("key AKIAIOSFODNN7EXAMPLE, IBAN DE89370400440532013000, SSN 078-05-1120")
            == "key [SECRET], IBAN [IBAN], SSN [NATIONAL_ID]")
    }
}
