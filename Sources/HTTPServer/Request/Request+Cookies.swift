extension Request {
    /// Cookies sent by the client (RFC 6265 §5.4), first value wins for a repeated name.
    public var cookies: [String: String] {
        var cookies: [String: String] = [:]
        for header in headers.values(for: "Cookie") {
            for pair in header.split(separator: ";") {
                guard let equals = pair.firstIndex(of: "=") else { continue }
                let name = pair[..<equals].trimmingASCIIWhitespace()
                var value = pair[pair.index(after: equals)...].trimmingASCIIWhitespace()
                // RFC 6265 §4.1.1: a cookie value may be wrapped in double quotes.
                if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                    value = String(value.dropFirst().dropLast())
                }
                guard !name.isEmpty, cookies[name] == nil else { continue }
                cookies[name] = value
            }
        }
        return cookies
    }
}
