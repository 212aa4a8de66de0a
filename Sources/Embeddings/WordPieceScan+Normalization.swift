import Foundation

extension WordPieceScan {
    /// Lowercases a whitespace-delimited word, decomposes it (NFD) and drops nonspacing marks ("Mn").
    ///
    /// Follows Python's `str.lower()` (full case mapping, so `İ` becomes `i` + U+0307, and the contextual
    /// final sigma) followed by `unicodedata.normalize("NFD", …)` and the "Mn" filter of `_run_strip_accents`.
    static func normalize(_ word: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var lowered = String.UnicodeScalarView()
        for index in word.indices {
            let scalar = word[index]
            let v = scalar.value
            if v < 0x80 {
                lowered.append(v >= 0x41 && v <= 0x5A ? Unicode.Scalar(UInt8(v | 0x20)) : scalar)
            } else if v == 0x3A3 {
                lowered.append(isFinalSigma(word, at: index) ? "\u{3C2}" : "\u{3C3}")
            } else {
                lowered.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        let decomposed = String(lowered).decomposedStringWithCanonicalMapping
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(word.count + 4)
        for scalar in decomposed.unicodeScalars where scalar.properties.generalCategory != .nonspacingMark {
            result.append(scalar)
        }
        return result
    }

    /// Unicode `Final_Sigma`: a cased letter before (skipping case-ignorables) and none after.
    private static func isFinalSigma(_ word: [Unicode.Scalar], at index: Int) -> Bool {
        var before = index - 1
        while before >= 0, word[before].properties.isCaseIgnorable { before -= 1 }
        guard before >= 0, word[before].properties.isCased else { return false }
        var after = index + 1
        while after < word.count, word[after].properties.isCaseIgnorable { after += 1 }
        return after == word.count || !word[after].properties.isCased
    }
}
