import Foundation

/// Writes RFC 4180 CSV: CRLF line ends; a field is quoted when it holds a comma, a quote, CR or LF, with quotes
/// doubled.
///
/// Spreadsheet formula injection (OWASP "CSV Injection"): a cell that starts with `=`, `+`, `-`, `@`, tab or CR
/// would be run as a formula by Excel or LibreOffice, so it gets a leading `'`. Plain numbers (`-1`, `-0.5`) are
/// left alone: they are data, not formulas.
enum CSVWriter {
    /// One record, CRLF-terminated.
    static func record(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    static func field(_ value: String) -> String {
        var value = value
        if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), !isNumber(value) {
            value = "'" + value
        }
        guard value.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else {
            return value
        }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `-12`, `3.5`, `-0.25` (a leading `+` is escaped: `+1+2` would be a formula).
    static func isNumber(_ text: String) -> Bool {
        var scalars = Substring(text).unicodeScalars[...]
        if scalars.first == "-" { scalars = scalars.dropFirst() }
        guard !scalars.isEmpty else { return false }
        var dot = false
        var digits = 0
        for s in scalars {
            if s == "." && !dot {
                dot = true
            } else if ScalarText.isASCIIDigit(s) {
                digits += 1
            } else {
                return false
            }
        }
        return digits > 0
    }
}
