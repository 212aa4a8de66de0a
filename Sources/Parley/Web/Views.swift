import Foundation
import HTTPServer
import Logging
import Mustache

/// The Mustache templates of the dashboard, read from a folder at start.
///
/// Every `*.mustache` file under `Sources/Parley/Web/Templates` (or `PARLEY_TEMPLATES`) is registered under
/// its path without the extension, so `conversations.mustache` is `conversations` and a page extends the
/// layout with `{{<layout}}{{$content}}…{{/content}}{{/layout}}`. Values are HTML-escaped unless printed
/// with a triple mustache, which templates use only for `HTML` values (keys ending in `Html`).
public struct Views: Sendable {
    /// Why the templates could not be loaded, if they could not (pages then answer 500 with this text).
    public let loadError: String?
    private let library: MustacheLibrary

    /// Loads every template of `directory` (found beside the program when nil).
    public init(directory: String?) {
        do {
            let folder = try directory ?? Self.locateDirectory()
            library = try Self.load(folder)
            loadError = nil
        } catch {
            library = MustacheLibrary()
            loadError = "the dashboard templates could not be loaded: \(error)"
        }
    }

    /// `PARLEY_TEMPLATES`, then `Sources/Parley/Web/Templates` beside the program, then `/usr/share/parley/templates`.
    static func locateDirectory() throws -> String {
        if let path = try? ResourceLocator.folder(named: "Sources/Parley/Web/Templates") { return path }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: "/usr/share/parley/templates", isDirectory: &isDirectory),
           isDirectory.boolValue {
            return "/usr/share/parley/templates"
        }
        throw ConfigurationError(setting: "PARLEY_TEMPLATES", value: "",
                                 expected: "the folder of the dashboard templates (Sources/Parley/Web/Templates)")
    }

    private static func load(_ folder: String) throws -> MustacheLibrary {
        var library = MustacheLibrary()
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else {
            throw ConfigurationError(setting: "PARLEY_TEMPLATES", value: folder, expected: "a readable folder")
        }
        var count = 0
        for case let path as String in enumerator where path.hasSuffix(".mustache") {
            guard let data = FileManager.default.contents(atPath: folder + "/" + path) else { continue }
            do {
                try library.register(String(decoding: data, as: UTF8.self), named: String(path.dropLast(9)))
            } catch let error as MustacheTemplate.ParserError {
                throw ConfigurationError(
                    setting: "PARLEY_TEMPLATES", value: folder + "/" + path,
                    expected: "a valid Mustache template (line \(error.context.lineNumber): \(error.error))")
            }
            count += 1
        }
        guard count > 0 else {
            throw ConfigurationError(setting: "PARLEY_TEMPLATES", value: folder, expected: "a folder with .mustache files")
        }
        return library
    }

    /// Whether a template of this name exists.
    public func has(_ name: String) -> Bool { library.getTemplate(named: name) != nil }

    /// The HTML of template `name` for `data`.
    /// - Throws: `WebError` 500 when the template is missing.
    public func render(_ name: String, _ data: [String: Any]) throws -> String {
        guard let html = library.render(data, withTemplate: name) else {
            throw WebError(.internalServerError, message: loadError ?? "The page template '\(name)' is missing.")
        }
        return html
    }

    /// The policy of every page: scripts, styles and images from this origin only, no inline code.
    public static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
        + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

    /// An HTML response with the page headers (strict CSP, never cached: pages show private data).
    static func response(_ html: String, status: HTTPStatus = .ok) -> Response {
        var response = Response.html(html, status: status)
        response.headers.add(name: "Content-Security-Policy", value: contentSecurityPolicy)
        response.headers.add(name: "Cache-Control", value: "no-store")
        return response
    }
}
