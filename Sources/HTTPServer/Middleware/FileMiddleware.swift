#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Serves files from a directory for GET and HEAD requests that no route answered.
///
/// Path traversal is impossible by construction: segments are percent-decoded one by one, segments that
/// decode to `/`, `\` or NUL, `.`/`..` and hidden names are refused, and the resolved real path (symlinks
/// followed) must stay inside the real path of the directory. Responses carry a strong `ETag` from size
/// and modification time, answer `If-None-Match` with `304` (RFC 9110 §13.1.2), and set `Cache-Control`.
public struct FileMiddleware: Middleware {
    private let root: String?
    private let urlPrefix: [Substring]
    private let cacheControl: String
    private let indexFile: String?

    /// Serves `directory` under `urlPrefix`.
    /// - Parameters:
    ///   - directory: the folder to serve, e.g. `Public`.
    ///   - urlPrefix: the URL path the folder appears at, e.g. `/static`.
    ///   - cacheControl: the `Cache-Control` value of file responses.
    ///   - indexFile: served for directory paths, `nil` to disable.
    public init(
        directory: String, urlPrefix: String = "/", cacheControl: String = "public, max-age=300",
        indexFile: String? = "index.html"
    ) {
        root = realpath(directory, nil).map { pointer in
            defer { free(pointer) }
            return String(cString: pointer)
        }
        self.urlPrefix = urlPrefix.split(separator: "/")
        self.cacheControl = cacheControl
        self.indexFile = indexFile
    }

    public func handle(_ request: Request, next: Responder) async throws -> Response {
        do {
            return try await next(request)
        } catch let error as HTTPError where error.status == .notFound {
            guard request.method == .get || request.method == .head, let file = resolve(request.path) else {
                throw error
            }
            guard let response = serve(file, request: request) else { throw error }
            return response
        }
    }

    /// The real path of the file for a URL path, or `nil` when outside the directory or absent.
    func resolve(_ path: String) -> String? {
        guard let root else { return nil }
        let encoded = path.split(separator: "/", omittingEmptySubsequences: true)
        guard encoded.starts(with: urlPrefix) else { return nil }
        var segments: [String] = []
        for segment in encoded.dropFirst(urlPrefix.count) {
            guard let decoded = PercentDecoding.decodePathSegment(segment), !decoded.isEmpty,
                !decoded.hasPrefix(".")
            else { return nil }
            segments.append(decoded)
        }
        var candidate = ([root] + segments).joined(separator: "/")
        if isDirectory(candidate) {
            guard let indexFile else { return nil }
            candidate += "/" + indexFile
        }
        guard let real = realpath(candidate, nil) else { return nil }
        defer { free(real) }
        let resolved = String(cString: real)
        // Symlinks may point anywhere: the resolved path must still be inside the root.
        guard resolved.hasPrefix(root.hasSuffix("/") ? root : root + "/") else { return nil }
        return resolved
    }

    private func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    private func serve(_ path: String, request: Request) -> Response? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { _ = close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let size = Int(info.st_size)
        let modified = Int(info.st_mtim.tv_sec) &* 1_000_000_000 &+ Int(info.st_mtim.tv_nsec)
        let etag = "\"\(String(size, radix: 16))-\(String(modified, radix: 16))\""
        let headers: HTTPHeaders = [
            "ETag": etag, "Cache-Control": cacheControl, "Content-Type": MediaType.forFile(Substring(path)),
        ]
        if let ifNoneMatch = request.headers["If-None-Match"], Self.matches(ifNoneMatch, etag: etag) {
            return Response(status: .notModified, headers: headers)
        }
        guard let bytes = Self.read(fd, size: size) else { return nil }
        return Response(status: .ok, headers: headers, body: .bytes(bytes))
    }

    /// RFC 9110 §13.1.2: weak comparison; `*` matches any current representation.
    static func matches(_ ifNoneMatch: String, etag: String) -> Bool {
        let bare = etag.hasPrefix("W/") ? String(etag.dropFirst(2)) : etag
        return ifNoneMatch.split(separator: ",").contains { candidate in
            let trimmed = candidate.trimmingASCIIWhitespace()
            return trimmed == "*" || trimmed == bare || trimmed == "W/" + bare
        }
    }

    private static func read(_ fd: Int32, size: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: size)
        var offset = 0
        while offset < size {
            let count = bytes.withUnsafeMutableBytes { buffer in
                Glibc.read(fd, buffer.baseAddress.map { $0 + offset }, size - offset)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return nil }
            offset += count
        }
        return bytes
    }
}
