/// An HTTP request method (RFC 9110 §9); methods are case-sensitive tokens.
public struct HTTPMethod: Sendable, Hashable, CustomStringConvertible {
    /// The method token as sent on the request line.
    public let rawValue: String

    /// Creates a method from its token.
    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public static let get = HTTPMethod("GET")
    public static let head = HTTPMethod("HEAD")
    public static let post = HTTPMethod("POST")
    public static let put = HTTPMethod("PUT")
    public static let patch = HTTPMethod("PATCH")
    public static let delete = HTTPMethod("DELETE")
    public static let options = HTTPMethod("OPTIONS")
    public static let connect = HTTPMethod("CONNECT")
    public static let trace = HTTPMethod("TRACE")

    /// Maps common method bytes to shared constants so the hot path does not build new strings.
    static func parse(_ bytes: ArraySlice<UInt8>) -> HTTPMethod {
        switch bytes.count {
        case 3 where bytes.elementsEqual("GET".utf8): return .get
        case 3 where bytes.elementsEqual("PUT".utf8): return .put
        case 4 where bytes.elementsEqual("POST".utf8): return .post
        case 4 where bytes.elementsEqual("HEAD".utf8): return .head
        case 5 where bytes.elementsEqual("PATCH".utf8): return .patch
        case 6 where bytes.elementsEqual("DELETE".utf8): return .delete
        case 7 where bytes.elementsEqual("OPTIONS".utf8): return .options
        default: return HTTPMethod(String(decoding: bytes, as: UTF8.self))
        }
    }
}
