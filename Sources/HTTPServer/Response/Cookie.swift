/// A `Set-Cookie` header value builder (RFC 6265 §4.1).
public struct Cookie: Sendable, Hashable {
    /// The `SameSite` attribute.
    public enum SameSite: String, Sendable, Hashable {
        case strict = "Strict"
        case lax = "Lax"
        case none = "None"
    }

    /// The cookie name (a token).
    public var name: String
    /// The cookie value; characters outside RFC 6265 cookie-octets are percent-encoded.
    public var value: String
    /// `Path`, `/` by default.
    public var path: String? = "/"
    /// `Domain`, host-only when `nil`.
    public var domain: String?
    /// `Max-Age` in seconds; 0 deletes the cookie.
    public var maxAge: Int?
    /// `Secure`: only sent over HTTPS.
    public var secure = false
    /// `HttpOnly`: hidden from scripts.
    public var httpOnly = true
    /// `SameSite`, `Lax` by default.
    public var sameSite: SameSite? = .lax

    /// Creates a cookie with safe defaults (`Path=/; HttpOnly; SameSite=Lax`).
    public init(
        name: String, value: String, path: String? = "/", domain: String? = nil, maxAge: Int? = nil,
        secure: Bool = false, httpOnly: Bool = true, sameSite: SameSite? = .lax
    ) {
        self.name = name
        self.value = value
        self.path = path
        self.domain = domain
        self.maxAge = maxAge
        self.secure = secure
        self.httpOnly = httpOnly
        self.sameSite = sameSite
    }

    /// A cookie that tells the browser to delete `name`.
    public static func expired(name: String, path: String? = "/") -> Cookie {
        Cookie(name: name, value: "", path: path, maxAge: 0)
    }

    /// The `Set-Cookie` field value.
    public var headerValue: String {
        var parts = ["\(name)=\(Self.encode(value))"]
        if let path { parts.append("Path=\(Self.attribute(path))") }
        if let domain { parts.append("Domain=\(Self.attribute(domain))") }
        if let maxAge { parts.append("Max-Age=\(maxAge)") }
        if secure || sameSite == SameSite.none { parts.append("Secure") }
        if httpOnly { parts.append("HttpOnly") }
        if let sameSite { parts.append("SameSite=\(sameSite.rawValue)") }
        return parts.joined(separator: "; ")
    }

    // RFC 6265 §4.1.1 cookie-octet: visible ASCII except DQUOTE, comma, semicolon and backslash.
    private static func encode(_ value: String) -> String {
        var output = ""
        for byte in value.utf8 {
            let allowed = byte > 0x20 && byte < 0x7F && byte != 0x22 && byte != 0x2C && byte != 0x3B && byte != 0x5C
                && byte != UInt8(ascii: "%")
            if allowed {
                output.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                output += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return output
    }

    /// Attribute values may not contain `;` or control characters; they are dropped.
    private static func attribute(_ value: String) -> String {
        String(value.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F && $0 != ";" }.map(Character.init))
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

extension Response {
    /// Adds a `Set-Cookie` header.
    public mutating func setCookie(_ cookie: Cookie) {
        headers.add(name: "Set-Cookie", value: cookie.headerValue)
    }
}
