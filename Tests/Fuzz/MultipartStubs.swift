// Compiled with MultipartFuzz.swift by scripts/fuzz.sh. Request.swift, home of this helper, needs the whole server
// (Dispatch, logging, body streams); this is its one-line body verbatim, over the real `HTTPHeaders.trimmed`.

extension StringProtocol {
    /// Copy of `StringProtocol.trimmingASCIIWhitespace()` in Sources/HTTPServer/Request/Request.swift.
    func trimmingASCIIWhitespace() -> String {
        String(decoding: HTTPHeaders.trimmed(Array(utf8)), as: UTF8.self)
    }
}
