import Foundation
import HTTPServer

/// The files of `Public/`, served under `/static/` with fingerprinted URLs.
///
/// Pages link `/static/app.css?v=<first 12 hex digits of its SHA-256>`. A request carrying the current
/// fingerprint is cached for a year (`immutable`); any other request gets a short lifetime and the file
/// server's `ETag`, so a deploy with changed files is picked up at once.
public struct StaticAssets: Sendable {
    /// The folder served, or nil when none was found (pages still render, unstyled).
    public let directory: String?
    /// File name → fingerprint, computed once at start.
    let fingerprints: [String: String]

    /// Finds the folder (`PARLEY_PUBLIC`, else `Public/` beside the program) and fingerprints its files.
    public init(directory: String?) {
        let folder = directory ?? (try? ResourceLocator.folder(named: "Public"))
        self.directory = folder
        var fingerprints: [String: String] = [:]
        if let folder, let names = try? FileManager.default.contentsOfDirectory(atPath: folder) {
            for name in names where !name.hasPrefix(".") {
                if let data = FileManager.default.contents(atPath: folder + "/" + name) {
                    fingerprints[name] = String(SHA256.hex(data).prefix(12))
                }
            }
        }
        self.fingerprints = fingerprints
    }

    /// The URL of a file in `Public/`, with its fingerprint when known.
    public func url(_ name: String) -> String {
        guard let fingerprint = fingerprints[name] else { return "/static/" + name }
        return "/static/\(name)?v=\(fingerprint)"
    }

    /// What templates see as `assets`: `styles` and `scripts` are every `.css` and `.js` file of `Public/`
    /// (`app.css` and `app.js` first, then by name), so a feature adds its own file rather than editing `app.*`.
    var templateValues: [String: Any] {
        ["styles": files(ending: ".css", first: "app.css").map { ["url": url($0)] },
         "scripts": files(ending: ".js", first: "app.js").map { ["url": url($0)] },
         "icon": url("favicon.svg")]
    }

    private func files(ending suffix: String, first: String) -> [String] {
        fingerprints.keys.filter { $0.hasSuffix(suffix) }.sorted { a, b in
            a == first || (b != first && a < b)
        }
    }

    /// Serves `/static/*` for requests no route answered.
    func middleware() -> some Middleware {
        let files = directory.map { FileMiddleware(directory: $0, urlPrefix: "/static", cacheControl: "public, max-age=300",
                                                   indexFile: nil) }
        let fingerprints = self.fingerprints
        return ClosureMiddleware { request, next in
            guard let files, request.path.hasPrefix("/static/") else { return try await next(request) }
            var response = try await files.handle(request, next: next)
            let name = String(request.path.dropFirst("/static/".count))
            if let version = request.query["v"], version == fingerprints[name], response.status == .ok {
                response.headers.replaceOrAdd(name: "Cache-Control", value: "public, max-age=31536000, immutable")
            }
            return response
        }
    }
}
