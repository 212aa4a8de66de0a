import Foundation
import Testing

@testable import HTTPServer

private struct Greeting: Codable, Equatable {
    var name: String
    var count: Int
}

/// A temporary directory with a few files, removed afterwards.
private func withPublicDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("http-static-\(UUID().uuidString)")
    let publicDir = root.appendingPathComponent("Public")
    try FileManager.default.createDirectory(at: publicDir.appendingPathComponent("css"), withIntermediateDirectories: true)
    try Data("body { color: red }".utf8).write(to: publicDir.appendingPathComponent("css/site.css"))
    try Data("<h1>home</h1>".utf8).write(to: publicDir.appendingPathComponent("index.html"))
    try Data("top secret".utf8).write(to: root.appendingPathComponent("secret.txt"))
    try Data("hidden".utf8).write(to: publicDir.appendingPathComponent(".env"))
    try FileManager.default.createSymbolicLink(
        at: publicDir.appendingPathComponent("escape.txt"), withDestinationURL: root.appendingPathComponent("secret.txt"))
    defer { try? FileManager.default.removeItem(at: root) }
    return try await body(publicDir.path)
}

@Suite struct LoopbackFeaturesTests {
    @Test func staticFilesWithETagAnd304AndNoTraversal() async throws {
        try await withPublicDirectory { directory in
            var router = Router()
            router.use(FileMiddleware(directory: directory, cacheControl: "public, max-age=60"))
            router.get("/api") { _ in Response(text: "api") }
            try await withServer(router: router) { _, port in
                let client = try await RawClient.connect(port: port)
                try await client.send("GET /css/site.css HTTP/1.1\r\nHost: x\r\n\r\n")
                let css = try await client.readResponse()
                #expect(css.status == 200)
                #expect(css.text == "body { color: red }")
                #expect(css.header("Content-Type") == "text/css; charset=utf-8")
                #expect(css.header("Cache-Control") == "public, max-age=60")
                let etag = try #require(css.header("ETag"))
                try await client.send("GET /css/site.css HTTP/1.1\r\nHost: x\r\nIf-None-Match: \(etag)\r\n\r\n")
                let cached = try await client.readResponse()
                #expect(cached.status == 304)
                #expect(cached.body.isEmpty)
                #expect(cached.header("ETag") == etag)
                try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(try await client.readResponse().text == "<h1>home</h1>")
                try await client.send("GET /api HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(try await client.readResponse().text == "api")
                for attack in [
                    "/../secret.txt", "/css/../../secret.txt", "/%2e%2e/secret.txt", "/css%2f..%2f..%2fsecret.txt",
                    "/..%5csecret.txt", "/escape.txt", "/.env", "/css/site.css%00.png",
                ] {
                    try await client.send("GET \(attack) HTTP/1.1\r\nHost: x\r\n\r\n")
                    let response = try await client.readResponse()
                    #expect(response.status == 404, "\(attack)")
                    #expect(!response.text.contains("secret"), "\(attack)")
                }
            }
        }
    }

    @Test func parsesMultipartFileUploads() async throws {
        var router = Router()
        router.post("/upload") { request in
            let parts = try await request.multipartParts()
            let summary = parts.map { part in
                "\(part.name ?? "-"):\(part.filename ?? "-"):\(part.contentType ?? "-"):\(part.body.count)"
            }
            return Response(text: summary.joined(separator: "|"))
        }
        try await withServer(router: router) { _, port in
            let file = [UInt8](repeating: 0xAB, count: 50_000) + Array("\r\n--not-the-boundary".utf8)
            var body = Array("--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nMy file\r\n".utf8)
            body += Array(
                "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../../etc/data.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                    .utf8)
            body += file + Array("\r\n--XyZ--\r\n".utf8)
            let client = try await RawClient.connect(port: port)
            try await client.send(
                "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: \(body.count)\r\n\r\n")
            try await client.send(body)
            let response = try await client.readResponse()
            #expect(response.text == "title:-:-:7|file:data.bin:application/octet-stream:\(file.count)")
        }
    }

    @Test func jsonFormsCookiesQueryAndSecurityHeaders() async throws {
        var router = Router()
        router.use(SecurityHeadersMiddleware())
        router.post("/json") { request in
            var greeting = try await request.decode(Greeting.self)
            greeting.count += 1
            return try Response.json(greeting)
        }
        router.post("/form") { request in
            let form = try await request.formFields()
            return Response(text: "\(form["a"] ?? "")|\(form["b"] ?? "")")
        }
        router.get("/cookie") { request in
            var response = Response(text: "\(request.cookies["session"] ?? "")|\(request.query["q"] ?? "")")
            response.setCookie(Cookie(name: "seen", value: "yes", maxAge: 60, secure: true, sameSite: .strict))
            return response
        }
        try await withServer(router: router) { _, port in
            let client = try await RawClient.connect(port: port)
            let json = #"{"name":"ada","count":1}"#
            try await client.send(
                "POST /json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n\(json)")
            let decoded = try JSONDecoder().decode(Greeting.self, from: Data(try await client.readResponse().body))
            #expect(decoded == Greeting(name: "ada", count: 2))
            let wrong = #"{"name":"ada","count":"one"}"#
            try await client.send(
                "POST /json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(wrong.utf8.count)\r\n\r\n\(wrong)")
            let invalid = try await client.readResponse()
            #expect(invalid.status == 422)
            #expect(invalid.text.contains("count"))
            #expect(invalid.header("X-Content-Type-Options") == "nosniff")
            let form = "a=1+2&b=caf%C3%A9"
            try await client.send(
                "POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(form.utf8.count)\r\n\r\n\(form)")
            #expect(try await client.readResponse().text == "1 2|café")
            try await client.send("GET /cookie?q=a%26b HTTP/1.1\r\nHost: x\r\nCookie: theme=dark; session=\"s1\"\r\n\r\n")
            let cookie = try await client.readResponse()
            #expect(cookie.text == "s1|a&b")
            #expect(cookie.header("Set-Cookie") == "seen=yes; Path=/; Max-Age=60; Secure; HttpOnly; SameSite=Strict")
            #expect(cookie.header("Content-Security-Policy")?.contains("frame-ancestors 'none'") == true)
            #expect(cookie.header("Referrer-Policy") == "strict-origin-when-cross-origin")
        }
    }
}
