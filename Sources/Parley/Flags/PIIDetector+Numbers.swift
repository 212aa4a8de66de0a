extension PIIDetector {
    // MARK: Payment cards

    /// 13–19 digits, optionally grouped by one kind of separator (space or hyphen), that pass the Luhn check and
    /// start with a card network's issuer prefix (so `0000 0000 0000 0000`, Luhn-valid, is not a card).
    static func paymentCards(_ text: ScalarText) -> [PIIMatch] {
        var found: [PIIMatch] = []
        var i = 0
        while i < text.count {
            guard text.isDigit(i), !text.isAlnum(i - 1), !(text.at(i - 1) == "-" && text.isDigit(i - 2)) else {
                i += 1
                continue
            }
            var digits: [UInt8] = []
            var separator: Unicode.Scalar?
            var j = i
            var end = i
            while j < text.count, digits.count <= 19 {
                let c = text[j]
                if ScalarText.isASCIIDigit(c) {
                    digits.append(UInt8(c.value - 48))
                    j += 1
                    end = j
                } else if (c == " " || c == "-") && (separator == nil || separator == c) && text.isDigit(j + 1) {
                    separator = c
                    j += 1
                } else {
                    break
                }
            }
            defer { i = max(end, i + 1) }
            guard (13...19).contains(digits.count), !text.isAlnum(end), luhn(digits),
                  let network = cardNetwork(digits) else { continue }
            found.append(match(.paymentCard, network, i..<end, text))
        }
        return found
    }

    /// The Luhn (mod 10) check of ISO/IEC 7812-1.
    static func luhn(_ digits: [UInt8]) -> Bool {
        var sum = 0
        for (position, digit) in digits.reversed().enumerated() {
            var d = Int(digit)
            if position % 2 == 1 {
                d *= 2
                if d > 9 { d -= 9 }
            }
            sum += d
        }
        return sum % 10 == 0
    }

    /// The network whose issuer identification number starts `digits`, for a plausible length.
    static func cardNetwork(_ digits: [UInt8]) -> String? {
        func prefix(_ n: Int) -> Int { digits.prefix(n).reduce(0) { $0 * 10 + Int($1) } }
        let length = digits.count
        switch (prefix(1), prefix(2), prefix(3), prefix(4)) {
        case (4, _, _, _) where [13, 16, 19].contains(length): return "visa"
        case (_, 51...55, _, _) where length == 16, (_, _, _, 2221...2720) where length == 16: return "mastercard"
        case (_, 34, _, _) where length == 15, (_, 37, _, _) where length == 15: return "amex"
        case (_, _, _, 6011) where length >= 16, (_, 65, _, _) where length >= 16, (_, _, 644...649, _) where length >= 16:
            return "discover"
        case (_, _, _, 3528...3589) where length >= 16: return "jcb"
        case (_, _, 300...305, _) where length >= 14, (_, 36, _, _) where length >= 14, (_, 38, _, _) where length >= 14:
            return "diners"
        case (_, 62, _, _) where length >= 16: return "unionpay"
        case (_, 50, _, _), (_, 56...69, _, _): return "maestro"
        default: return nil
        }
    }

    // MARK: IBAN

    /// IBAN lengths by country (ISO 13616 registry); an unknown country is not an IBAN.
    static let ibanLengths: [String: Int] = [
        "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
        "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24,
        "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21,
        "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LI": 21,
        "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30,
        "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
        "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TN": 24, "TR": 26, "UA": 29, "VG": 24, "XK": 20,
    ]

    /// A country code, two check digits and the account number, compact or in groups separated by single spaces,
    /// of the country's length and passing the ISO 7064 mod-97 check.
    static func ibans(_ text: ScalarText) -> [PIIMatch] {
        var found: [PIIMatch] = []
        var i = 0
        while i + 1 < text.count {
            guard ScalarText.isASCIIUpper(text[i]), ScalarText.isASCIIUpper(text[i + 1]), !text.isAlnum(i - 1),
                  text.isDigit(i + 2), text.isDigit(i + 3),
                  let length = ibanLengths[text.string(i..<i + 2)] else { i += 1; continue }
            // Positions of the IBAN's characters, skipping single spaces between groups.
            var positions: [Int] = []
            var j = i
            while j < text.count, positions.count < length {
                let c = text[j]
                if ScalarText.isASCIIDigit(c) || ScalarText.isASCIIUpper(c) {
                    positions.append(j)
                    j += 1
                } else if c == " ", !positions.isEmpty, text.isAlnum(j + 1) {
                    j += 1
                } else {
                    break
                }
            }
            guard positions.count == length, let last = positions.last, !text.isAlnum(last + 1) else { i += 2; continue }
            let compact = positions.map { text[$0] }
            if mod97(compact) == 1 {
                found.append(match(.iban, "iban", i..<last + 1, text))
                i = last + 1
            } else {
                i += 2
            }
        }
        return found
    }

    /// The IBAN check value: the first four characters moved to the end, letters as 10–35, modulo 97.
    static func mod97(_ iban: [Unicode.Scalar]) -> Int {
        var value = 0
        for c in iban.dropFirst(4) + iban.prefix(4) {
            if ScalarText.isASCIIDigit(c) {
                value = (value * 10 + Int(c.value - 48)) % 97
            } else {
                value = (value * 100 + Int(c.value - 65 + 10)) % 97
            }
        }
        return value
    }

    // MARK: National identity numbers

    static let ssnWords = ["ssn", "social security"].map(ScalarText.foldedPhrase)

    /// US social security numbers (`078-05-1120`, area not 000, 666 or 9xx, group not 00, serial not 0000; nine
    /// bare digits only after "SSN" or "social security") and UK national insurance numbers (`AB 12 34 56 C`, with
    /// HMRC's rules on the prefix letters).
    static func nationalIDs(_ text: ScalarText) -> [PIIMatch] {
        var found: [PIIMatch] = []
        for i in 0..<text.count where text.isDigit(i) && !text.isAlnum(i - 1) && !text.isDigit(i - 2) {
            if let end = ssn(text, i) { found.append(match(.nationalID, "us_ssn", i..<end, text)) }
        }
        for i in 0..<text.count where ScalarText.isASCIIUpper(text[i]) && !text.isAlnum(i - 1) {
            if let end = nino(text, i) { found.append(match(.nationalID, "uk_nino", i..<end, text)) }
        }
        return found
    }

    private static func ssn(_ text: ScalarText, _ i: Int) -> Int? {
        func number(_ from: Int, _ count: Int) -> Int? {
            var value = 0
            for k in from..<from + count {
                guard text.isDigit(k) else { return nil }
                value = value * 10 + Int(text[k].value - 48)
            }
            return value
        }
        let area: Int, group: Int, serial: Int, end: Int
        if let a = number(i, 3), let separator = text.at(i + 3), separator == "-" || separator == " ",
           let g = number(i + 4, 2), text.at(i + 6) == separator, let s = number(i + 7, 4) {
            (area, group, serial, end) = (a, g, s, i + 11)
        } else if let a = number(i, 3), let g = number(i + 3, 2), let s = number(i + 5, 4),
                  ssnWords.contains(where: { !text.wordOccurrences(of: $0, in: max(0, i - 25)..<i).isEmpty }) {
            (area, group, serial, end) = (a, g, s, i + 9)
        } else {
            return nil
        }
        guard !text.isAlnum(end), !(text.at(end) == "-" && text.isDigit(end + 1)),
              area != 0, area != 666, area < 900, group != 0, serial != 0 else { return nil }
        return end
    }

    private static func nino(_ text: ScalarText, _ i: Int) -> Int? {
        guard let first = text.at(i), let second = text.at(i + 1), ScalarText.isASCIIUpper(second),
              !"DFIQUV".unicodeScalars.contains(first), !"DFIOQUV".unicodeScalars.contains(second),
              !["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"].contains(text.string(i..<i + 2)) else { return nil }
        var j = i + 2
        var digits = 0
        var spaced = false
        while digits < 6 {
            if text.at(j) == " " && digits % 2 == 0 && text.isDigit(j + 1) {
                spaced = true
                j += 1
            }
            guard text.isDigit(j) else { return nil }
            digits += 1
            j += 1
        }
        if text.at(j) == " " && (spaced || text.at(j + 1).map(ScalarText.isASCIIUpper) == true) { j += 1 }
        guard let suffix = text.at(j), "ABCD".unicodeScalars.contains(suffix), !text.isAlnum(j + 1) else { return nil }
        return j + 1
    }
}
