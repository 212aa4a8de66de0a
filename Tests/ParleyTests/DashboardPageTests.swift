import Foundation
import HTTPServer
@testable import Parley
import Postgres
import TestSupport
import Testing

/// The pages: escaping, keyset pagination, search, error pages, static files, charts and the template rules.
@Suite struct DashboardPageTests {
    static let payloads = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "\"><svg onload=alert(1)>",
                           "javascript:alert(1)", "{{csrf}}", "</textarea><b>bold</b>"]

    @Test func everyValueIsEscaped() async throws {
        let dashboard = try await DashboardApp.start()
        defer { Task { await dashboard.stop() } }
        let client = try await dashboard.signedIn("xss@example.com", role: .viewer)
        var conversation = sampleConversation(id: "<script>alert('id')</script>", model: "<b>model</b>")
        conversation["messages"] = [
            ["role": "system", "content": "System <script>alert(2)</script>"],
            ["role": "user", "content": Self.payloads.joined(separator: "\n"), "name": "<i>name</i>"],
            ["role": "assistant", "content": [["type": "text", "text": "Part <img src=x onerror=alert(3)>"]],
             "tool_calls": [["id": "call<1>", "type": "function",
                             "function": ["name": "<script>fn</script>", "arguments": "{\"q\": \"<script>\"}"]]]],
        ]
        conversation["metadata"] = ["<key>": "<value onclick=alert(4)>"]
        conversation["tags"] = ["<tag>"]
        conversation["feedback"] = ["thumb": "down", "comment": "<script>alert(5)</script>"]
        let stored = try await dashboard.app.post("/api/v1/conversations", json: conversation)
        let id = try #require(stored.json["parley_id"] as? Int)
        try await dashboard.pool.query("""
            INSERT INTO conversation_search (conversation_id, project_id, search)
            SELECT id, project_id, jsonb_to_tsvector('english', messages, '["string"]') FROM conversations
            """)

        for path in ["/conversations/\(id)", "/conversations", "/conversations?q=alert+script", "/",
                     "/conversations?q=%3Cscript%3E&model=%3Cb%3E"] {
            let page = try await client.send("GET", path)
            #expect(page.status == 200, "\(path)")
            for raw in ["<script>alert", "<img src=x", "<svg onload", "<b>model</b>", "<i>name</i>", "<key>", "<tag>",
                        "</textarea><b>", "<value onclick"] {
                #expect(!page.body.contains(raw), "\(path) contains \(raw)")
            }
            // The only scripts are the site's own files from /static/.
            let scripts = page.body.components(separatedBy: "<script").dropFirst()
            #expect(!scripts.isEmpty && scripts.allSatisfy { $0.hasPrefix(" src=\"/static/") }, "\(path)")
            #expect(page.headers["content-security-policy"]?.contains("script-src 'self'") == true)
        }
        let detail = try await client.send("GET", "/conversations/\(id)").body
        #expect(detail.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(detail.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(detail.contains("{{csrf}}"))  // template syntax in data is text, not a template
        #expect(detail.contains("&lt;script&gt;fn&lt;/script&gt;"))
        let search = try await client.send("GET", "/conversations?q=alert").body
        #expect(search.contains("<mark>alert</mark>"))
    }

    @Test func keysetPaginationVisitsEveryRowOnce() async throws {
        let dashboard = try await DashboardApp.start()
        defer { Task { await dashboard.stop() } }
        let client = try await dashboard.signedIn("pager@example.com", role: .viewer)
        // 120 conversations, 40 of them at the very same instant: ties are broken by id.
        let conversations = (0..<120).map { index -> [String: Any] in
            var conversation = sampleConversation(id: "page-\(index)")
            conversation["started_at"] = index < 40 ? "2026-01-01T00:00:00Z" : "2026-01-0\(1 + index % 8)T0\(index % 10):00:00Z"
            return conversation
        }
        #expect(try await dashboard.app.post("/api/v1/conversations", json: ["conversations": conversations]).status == 200)
        var seen: [String] = []
        var path = "/conversations"
        var pages = 0
        var firstPages: [String] = []
        while true {
            let page = try await client.send("GET", path)
            #expect(page.status == 200)
            let ids = Self.externalIDs(page.body)
            firstPages.append(ids.first ?? "")
            seen += ids
            pages += 1
            guard let older = Self.link("older-page", in: page.body), pages < 10 else { break }
            path = older
        }
        #expect(pages == 3)
        #expect(seen.count == 120)
        #expect(Set(seen).count == 120)
        // "Newer" from the last page goes back to the second page exactly.
        let last = try await client.send("GET", path)
        let newer = try #require(Self.link("newer-page", in: last.body))
        #expect(Self.externalIDs(try await client.send("GET", newer).body).first == firstPages[1])
        // Filters compose with pages; a bad cursor is ignored rather than an error.
        #expect(try await client.send("GET", "/conversations?before=garbage&feedback=nonsense").status == 200)
        #expect(try await client.send("GET", "/conversations?from=2026-13-45").status == 200)
    }

    static func externalIDs(_ html: String) -> [String] {
        html.components(separatedBy: "<span class=\"external-id\">").dropFirst().map { String($0.prefix { $0 != "<" }) }
    }

    static func link(_ id: String, in html: String) -> String? {
        guard let tag = html.components(separatedBy: "<a ").first(where: { $0.contains("id=\"\(id)\"") }),
              let range = tag.range(of: "href=\"") else { return nil }
        return String(tag[range.upperBound...].prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
    }

    @Test func errorPagesAreHTMLForBrowsersAndProblemsForTheAPI() async throws {
        let dashboard = try await DashboardApp.start()
        defer { Task { await dashboard.stop() } }
        let client = try await dashboard.signedIn("err@example.com", role: .viewer)
        let missing = try await client.send("GET", "/no/such/page")
        #expect(missing.status == 404)
        #expect(missing.headers["content-type"] == "text/html; charset=utf-8")
        #expect(missing.body.contains("Page not found"))
        #expect(try await client.send("GET", "/conversations/999999").status == 404)
        #expect(try await client.send("GET", "/conversations/abc").status == 404)
        let api = try await client.send("GET", "/api/v1/nothing")
        #expect(api.status == 404)
        #expect(api.headers["content-type"] == "application/problem+json")
        let method = try await client.send("DELETE", "/conversations")
        #expect(method.status == 405)
        #expect(method.headers["content-type"] == "text/html; charset=utf-8")
    }

    @Test func staticFilesAreFingerprintedAndCached() async throws {
        let dashboard = try await DashboardApp.start()
        defer { Task { await dashboard.stop() } }
        let client = dashboard.client
        let login = try await client.send("GET", "/login").body
        let css = try #require(login.components(separatedBy: "href=\"").first { $0.hasPrefix("/static/app.css?v=") }?
            .prefix { $0 != "\"" })
        let fresh = try await client.send("GET", String(css))
        #expect(fresh.status == 200)
        #expect(fresh.headers["cache-control"] == "public, max-age=31536000, immutable")
        #expect(fresh.headers["content-type"]?.hasPrefix("text/css") == true)
        let etag = try #require(fresh.headers["etag"])
        let unversioned = try await client.send("GET", "/static/app.css")
        #expect(unversioned.headers["cache-control"] == "public, max-age=300")
        #expect(try await client.send("GET", "/static/app.css", headers: ["If-None-Match": etag]).status == 304)
        #expect(try await client.send("GET", "/static/../Package.swift").status == 404)
        #expect(try await client.send("GET", "/static/favicon.svg").headers["content-type"] == "image/svg+xml")
    }

    @Test func templatesOnlyPrintHTMLValuesUnescaped() throws {
        let folder = TestPostgres.repositoryRoot + "/Sources/Parley/Web/Templates"
        let files = try #require(FileManager.default.enumerator(atPath: folder)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".mustache") }
        #expect(files.count >= 7)
        for file in files {
            let text = try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
            for piece in text.components(separatedBy: "{{{").dropFirst() {
                let name = String(piece.prefix { $0 != "}" })
                #expect(name.hasSuffix("Html"), "\(file) prints {{{\(name)}}} unescaped")
            }
            #expect(!text.contains("{{&"), "\(file) uses {{& (unescaped)")
            #expect(!text.contains("style=\""), "\(file) has an inline style (the CSP forbids it)")
            let handler = try NSRegularExpression(pattern: "\\son[a-z]+\\s*=")
            #expect(handler.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil,
                    "\(file) has an inline event handler")
        }
    }

    @Test func chartsAreAccessibleAndEscaped() {
        let bars = SVGChart.bars([.init("Mon <1>", 3), .init("Tue", 0), .init("Wed", 12)], title: "Per <day>").markup
        #expect(bars.hasPrefix("<svg class=\"chart chart-bars\""))
        #expect(bars.contains("role=\"img\""))
        #expect(bars.contains("aria-label=\"Per &lt;day&gt;: 3 values, total 15, highest 12 (Wed)\""))
        #expect(bars.contains("<title>Mon &lt;1&gt;: 3</title>"))
        #expect(bars.components(separatedBy: "<rect").count == 4)
        #expect(!bars.contains("style="))
        let spark = SVGChart.sparkline([1, 4, 2], title: "Trend").markup
        #expect(spark.contains("<polyline class=\"chart-line\""))
        #expect(spark.contains("aria-label=\"Trend: from 1 to 2, highest 4\""))
        #expect(SVGChart.sparkline([], title: "Empty").markup.contains("no data"))
        let line = SVGChart.line([.init("A", [1, 2]), .init("B", [3, 1])], labels: ["x", "y"], title: "Two").markup
        #expect(line.contains("class=\"series-1\""))
        #expect(SVGChart.niceCeiling(73) == 100)
        #expect(SVGChart.niceCeiling(0) == 1)
        #expect(Format.number(1_234_567) == "1,234,567")
        #expect(Format.number(-12.25) == "-12.3" || Format.number(-12.25) == "-12.2")
        #expect(Format.compact(12_345) == "12.3k")
        #expect(HTML.highlighted("a <b> \u{E000}match\u{E001} & c").markup == "a &lt;b&gt; <mark>match</mark> &amp; c")
    }
}
