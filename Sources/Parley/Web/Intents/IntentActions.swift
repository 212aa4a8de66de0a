import Foundation
import HTTPServer

/// The forms of the intents pages (reviewers and admins): create, edit and delete an intent, add and remove
/// examples, import a taxonomy (CSV or JSONL, as `POST /api/v1/intents/import`) and train now.
///
/// Each answers with a redirect and a flash message; a refused edit (a duplicate name, an empty field) is a flash
/// error on the page. An intent of another project answers 404, like one that does not exist.
enum IntentActions {
    /// Most bytes of an uploaded taxonomy.
    static let importLimit = 10 << 20
    /// Most examples added from one form.
    static let examplesLimit = 1_000

    static func register(on router: inout Router, dashboard: Dashboard, store: IntentStore) {
        router.page(post: "/intents", minimum: .reviewer, in: dashboard) { page in
            let name = trimmed(page.form["name"])
            let description = trimmed(page.form["description"])
            if let problem = invalid(name: name, description: description) {
                return try await page.redirect(to: "/intents#new-intent", flash: .init("error", problem))
            }
            do {
                let id = try await store.create(projectID: page.projectID, name: name, description: description)
                let examples = lines(page.form["examples"])
                if !examples.isEmpty {
                    _ = try await store.addExamples(projectID: page.projectID, intentID: id, texts: examples,
                                                    conversations: examples.map { _ in nil })
                }
                return try await page.redirect(to: "/intents/\(id)", flash: .init(
                    "success", "Created “\(name)”" + (examples.isEmpty ? ". Add a few examples so the zero-shot model can recognise it."
                        : " with \(examples.count) example\(examples.count == 1 ? "" : "s").")))
            } catch IntentStore.EditError.duplicateName {
                return try await page.redirect(to: "/intents#new-intent", flash: .init(
                    "error", "An intent named “\(name)” already exists."))
            }
        }

        router.page(post: "/intents/import", minimum: .reviewer, in: dashboard, bodyLimit: importLimit) { page in
            let file = page.parts.first { $0.name == "file" && !$0.body.isEmpty }
            let pasted = page.parts.first { $0.name == "text" }.map { String(decoding: $0.body, as: UTF8.self) }
                ?? page.form["text"] ?? ""
            // Browsers send text areas with CRLF line ends, and CSV files often have them (RFC 4180); IntentImport
            // splits on Character "\n", which a "\r\n" grapheme is not, so lines are normalised to LF first.
            let raw = file.map { String(decoding: $0.body, as: UTF8.self) } ?? pasted
            let bytes = Array(raw.replacingOccurrences(of: "\r\n", with: "\n").utf8)
            guard !bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else {
                return try await page.redirect(to: "/intents#import", flash: .init(
                    "error", "Choose a CSV or JSONL file, or paste its lines, to import."))
            }
            var contentType = file?.contentType ?? ""
            if let filename = file?.filename?.lowercased(), filename.hasSuffix(".jsonl") || filename.hasSuffix(".ndjson")
                || filename.hasSuffix(".json") {
                contentType = "application/jsonl"
            } else if let filename = file?.filename?.lowercased(), filename.hasSuffix(".csv") {
                contentType = "text/csv"
            }
            let report: IntentImport.Report
            do {
                report = try await IntentImport(store: store).run(projectID: page.projectID, bytes: bytes,
                                                                  contentType: contentType)
            } catch let problem as Problem {
                return try await page.redirect(to: "/intents#import", flash: .init(
                    "error", "Nothing imported: " + (problem.detail ?? problem.title)))
            }
            var message = "Imported \(report.examplesAdded) example\(report.examplesAdded == 1 ? "" : "s")"
                + (report.intentsCreated > 0 ? " and created \(report.intentsCreated) intent\(report.intentsCreated == 1 ? "" : "s")" : "")
                + "."
            if !report.errors.isEmpty {
                let shown = report.errors.prefix(3).map { "line \($0.line): \($0.message)" }.joined(separator: "; ")
                message += " Skipped \(report.errors.count) line\(report.errors.count == 1 ? "" : "s") (\(shown)"
                    + (report.errors.count > 3 ? "; …" : "") + ")."
            }
            let kind = report.examplesAdded == 0 ? "error" : "success"
            return try await page.redirect(to: "/intents", flash: .init(kind, message))
        }

        router.page(post: "/intents/train", minimum: .reviewer, in: dashboard) { page in
            let queued = try await IntentTrainJob.enqueue(
                projectID: page.projectID, reason: "started from the dashboard by \(page.user.email)",
                on: JobQueue(pool: page.pool))
            guard queued != nil else {
                return try await page.redirect(to: "/intents#models", flash: .init(
                    "info", "Training is already under way; its progress is shown below."))
            }
            return try await page.redirect(to: "/intents#models", flash: .init(
                "success", "Training queued. A new version becomes active only if it beats the active one on held-out labels."))
        }

        router.page(post: "/intents/:id/edit", minimum: .reviewer, in: dashboard) { page in
            let id = try IntentPages.intentID(page)
            let name = trimmed(page.form["name"])
            let description = trimmed(page.form["description"])
            if let problem = invalid(name: name, description: description) {
                return try await page.redirect(to: "/intents/\(id)", flash: .init("error", problem))
            }
            do {
                try await store.update(projectID: page.projectID, intentID: id, name: name, description: description)
            } catch IntentStore.EditError.notFound {
                throw WebError.notFound("intent")
            } catch IntentStore.EditError.duplicateName {
                return try await page.redirect(to: "/intents/\(id)", flash: .init(
                    "error", "Another intent is already named “\(name)”."))
            }
            return try await page.redirect(to: "/intents/\(id)", flash: .init("success", "Saved."))
        }

        router.page(post: "/intents/:id/delete", minimum: .reviewer, in: dashboard) { page in
            let id = try IntentPages.intentID(page)
            guard try await store.delete(projectID: page.projectID, intentID: id) else { throw WebError.notFound("intent") }
            return try await page.redirect(to: "/intents", flash: .init(
                "success", "Intent deleted, with its examples and labels. Conversations predicted as it are unrecognized until the next training."))
        }

        router.page(post: "/intents/:id/examples", minimum: .reviewer, in: dashboard) { page in
            let id = try IntentPages.intentID(page)
            guard try await store.exists(projectID: page.projectID, intentID: id) else { throw WebError.notFound("intent") }
            let texts = lines(page.form["examples"])
            guard !texts.isEmpty else {
                return try await page.redirect(to: "/intents/\(id)#examples", flash: .init(
                    "error", "Write at least one example, one per line."))
            }
            guard texts.count <= examplesLimit, texts.allSatisfy({ $0.count <= 4_000 }) else {
                return try await page.redirect(to: "/intents/\(id)#examples", flash: .init(
                    "error", "Add at most \(examplesLimit) examples at once, each at most 4,000 characters."))
            }
            let ids = try await store.addExamples(projectID: page.projectID, intentID: id, texts: texts,
                                                  conversations: texts.map { _ in nil })
            return try await page.redirect(to: "/intents/\(id)#examples", flash: .init(
                "success", "Added \(ids.count) example\(ids.count == 1 ? "" : "s"). Train again to use them."))
        }

        router.page(post: "/intents/:id/examples/:example/delete", minimum: .reviewer, in: dashboard) { page in
            let id = try IntentPages.intentID(page)
            guard let example = Int(page.request.parameters["example"] ?? ""),
                  try await store.deleteExample(projectID: page.projectID, intentID: id, exampleID: example) else {
                throw WebError.notFound("example")
            }
            return try await page.redirect(to: "/intents/\(id)#examples", flash: .init("success", "Example removed."))
        }
    }

    static func trimmed(_ text: String?) -> String {
        (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Non-empty trimmed lines of a text area.
    static func lines(_ text: String?) -> [String] {
        (text ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    /// Why a name and description cannot be saved, or nil (the API's limits: 1–200 and 0–4,000 characters).
    static func invalid(name: String, description: String) -> String? {
        if name.isEmpty { return "Give the intent a name." }
        if name.unicodeScalars.count > 200 { return "Names are at most 200 characters." }
        if description.count > 4_000 { return "Descriptions are at most 4,000 characters." }
        return nil
    }
}
