import Foundation

/// Numbers and times as pages show them (independent of the server's locale).
public enum Format {
    /// `1234567` → `1,234,567`; fractions keep one decimal (`12.5`).
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        if value.rounded() == value, abs(value) < 1e15 { return number(Int(value)) }
        let whole = Int(value.rounded(.towardZero))
        let tenth = Int((abs(value - Double(whole)) * 10).rounded())
        return (value < 0 && whole == 0 ? "-" : "") + number(whole) + "." + String(min(tenth, 9))
    }

    /// `1234567` → `1,234,567`.
    public static func number(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var output = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { output.append(",") }
            output.append(character)
        }
        return (value < 0 ? "-" : "") + output
    }

    /// `12345` → `12.3k`, `2500000` → `2.5M`.
    public static func compact(_ value: Double) -> String {
        let magnitude = abs(value)
        func trimmed(_ x: Double) -> String {
            let text = String(format: "%.1f", x)
            return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
        }
        if magnitude >= 1_000_000 { return trimmed(value / 1_000_000) + "M" }
        if magnitude >= 10_000 { return trimmed(value / 1_000) + "k" }
        return number(value.rounded() == value ? value : (value * 10).rounded() / 10)
    }

    /// A share as a whole percentage (`0.1234` → `12%`), "–" without a total.
    public static func percent(_ part: Int, of total: Int) -> String {
        total > 0 ? "\(Int((Double(part) * 100 / Double(total)).rounded()))%" : "–"
    }

    private static let dayFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = utc
        formatter.dateFormat = "MMM d"
        return formatter
    }()

    private static let timeFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = utc
        formatter.dateFormat = "MMM d, yyyy HH:mm 'UTC'"
        return formatter
    }()

    private static let lock = NSLock()
    private static let utc = TimeZone(secondsFromGMT: 0) ?? TimeZone.current

    /// `Nov 3` (UTC).
    public static func day(_ date: Date) -> String {
        lock.withLock { dayFormatter.string(from: date) }
    }

    /// `Nov 3, 2026 14:05 UTC`; the page script shows it in the reader's time zone.
    public static func time(_ date: Date) -> String {
        lock.withLock { timeFormatter.string(from: date) }
    }

    /// RFC 3339 for `<time datetime>`.
    public static func iso(_ date: Date) -> String {
        ISO8601DateFormatter.string(from: date, timeZone: utc,
                                    formatOptions: [.withInternetDateTime])
    }

    /// `3 min ago`, `5 h ago`, `2 days ago` relative to `now`.
    public static func relative(_ date: Date, now: Date = Date()) -> String {
        let seconds = Int(now.timeIntervalSince(date))
        switch seconds {
        case ..<60: return "just now"
        case ..<3600: return "\(seconds / 60) min ago"
        case ..<86400: return "\(seconds / 3600) h ago"
        case ..<(86400 * 45): let days = seconds / 86400; return days == 1 ? "yesterday" : "\(days) days ago"
        default: return day(date)
        }
    }
}
