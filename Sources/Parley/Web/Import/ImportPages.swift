import Foundation
import HTTPServer

/// The Import page (reviewers and admins): upload a conversation file, follow its import, see what became of
/// every line.
///
/// - `GET /import`: the upload form and the recent imports;
/// - `POST /import` (`multipart/form-data`, up to `maxUploadBytes`): checks that the file can be read (format, CSV
///   header), stores it in PostgreSQL (so any instance's worker can import it), queues an `import` job and
///   redirects to its page;
/// - `GET /import/{id}`: the job's live progress (followed by `app.js` through `/jobs.json`), then the counts and
///   the rejected lines with their reasons.
///
/// `import.js` sends the form with `XMLHttpRequest` to show the upload's progress; without JavaScript the same
/// form posts normally.
enum ImportPages {
    /// Largest file accepted from the browser; `parley import` has no limit.
    static let maxUploadBytes = 256 << 20
    /// Room for the form's other fields and the multipart framing around the file.
    static let framingAllowance = 1 << 20

    static func register(on router: inout Router, dashboard: Dashboard) {
        let store = ImportStore(pool: dashboard.context.pool)

        router.page(get: "/import", minimum: .reviewer, in: dashboard) { page in
            let uploads = try await store.uploads(projectID: page.projectID, limit: 25)
            let now = Date()
            return try page.render("import", [
                "uploads": uploads.map { ImportView.row($0, now: now) },
                "hasUploads": !uploads.isEmpty,
                "maxBytes": maxUploadBytes,
                "maxSize": ImportView.bytes(maxUploadBytes),
            ])
        }

        router.page(post: "/import", minimum: .reviewer, in: dashboard,
                    bodyLimit: maxUploadBytes + framingAllowance) { page in
            try await ImportUpload(page: page, store: store).accept()
        }

        router.page(get: "/import/:id", minimum: .reviewer, in: dashboard) { page in
            guard let id = Int(page.request.parameters["id"] ?? ""), id > 0,
                  let upload = try await store.upload(id, projectID: page.projectID) else {
                throw WebError.notFound("import")
            }
            return try page.render("import-detail", ImportView.detail(upload, now: Date()))
        }
    }
}
