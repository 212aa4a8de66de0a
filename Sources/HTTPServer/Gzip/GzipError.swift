/// A gzip stream could not be compressed or decompressed.
public struct GzipError: Error, Sendable, Hashable, CustomStringConvertible {
    enum Code: Sendable, Hashable {
        case initialization
        case corruptData
        case truncated
        case limitExceeded
    }

    let code: Code

    /// The inflated output would exceed the configured limit.
    public var isLimitExceeded: Bool { code == .limitExceeded }

    public var description: String {
        switch code {
        case .initialization: "zlib initialization failed"
        case .corruptData: "invalid gzip data"
        case .truncated: "gzip data ended early"
        case .limitExceeded: "inflated data exceeds the limit"
        }
    }

    static let initialization = GzipError(code: .initialization)
    static let corruptData = GzipError(code: .corruptData)
    static let truncated = GzipError(code: .truncated)
    static let limitExceeded = GzipError(code: .limitExceeded)
}
