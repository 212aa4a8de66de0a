import Foundation

/// The template values of the import pages.
enum ImportView {
    /// `12.3 MB`, `840 KB`, `512 bytes` (binary multiples, as file managers show them).
    static func bytes(_ count: Int) -> String {
        let units = ["KB", "MB", "GB", "TB"]
        guard count >= 1024 else { return count == 1 ? "1 byte" : "\(count) bytes" }
        var value = Double(count)
        var unit = -1
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return (value < 10 ? String(format: "%.1f", value) : String(Int(value.rounded()))) + " " + units[unit]
    }

    static func formatTitle(_ format: String?) -> String {
        switch format {
        case "jsonl": "JSONL"
        case "openai": "OpenAI chat JSONL"
        case "csv": "CSV"
        default: "detect"
        }
    }

    /// The status as shown, and the badge class of `app.css` it takes.
    static func status(_ upload: ImportStore.Upload) -> (title: String, badge: String) {
        switch upload.status {
        case "queued": ("queued", "status-running")
        case "running": ("importing", "status-running")
        case "completed": (upload.counts.rejected > 0 ? "done, with rejections" : "done", "status-succeeded")
        case "cancelled": ("cancelled", "status-cancelled")
        default: ("failed", "status-dead")
        }
    }

    /// A row of the recent imports table.
    static func row(_ upload: ImportStore.Upload, now: Date) -> [String: Any] {
        let state = Self.status(upload)
        let counts = upload.counts
        return ConversationPages.present([
            "id": upload.id, "fileName": upload.fileName, "size": bytes(upload.sizeBytes),
            "format": formatTitle(upload.detectedFormat ?? upload.format),
            "statusTitle": state.title, "badge": state.badge, "isActive": upload.isActive,
            "progress": upload.jobProgress,
            "when": Format.relative(upload.createdAt, now: now), "whenTitle": Format.time(upload.createdAt),
            "whenISO": Format.iso(upload.createdAt), "by": upload.uploaderEmail ?? upload.uploadedBy,
            "read": Format.number(counts.read), "created": Format.number(counts.created),
            "duplicate": Format.number(counts.duplicate + counts.updated + counts.conflict),
            "rejected": Format.number(counts.rejected), "hasRejected": counts.rejected > 0,
            "failed": upload.status == "failed",
        ])
    }

    /// The page of one import.
    static func detail(_ upload: ImportStore.Upload, now: Date) -> [String: Any] {
        var values = row(upload, now: now)
        let counts = upload.counts
        values["jobID"] = upload.jobID ?? 0
        values["hasJob"] = upload.jobID != nil
        values["jobStatus"] = upload.jobStatus ?? upload.status
        values["queued"] = upload.status == "queued"
        values["message"] = upload.jobMessage.isEmpty
            ? (upload.status == "queued" ? "waiting for a worker" : "starting") : upload.jobMessage
        if let error = upload.error ?? (upload.status == "failed" ? upload.jobError : nil), !error.isEmpty {
            values["error"] = error
        }
        values["finished"] = upload.status == "completed"
        values["cancelled"] = upload.status == "cancelled"
        values["duration"] = upload.startedAt.map { started in
            let seconds = (upload.finishedAt ?? now).timeIntervalSince(started)
            return seconds < 10 ? String(format: "%.1f s", seconds) : "\(Int(seconds.rounded())) s"
        } ?? "–"
        values["figures"] = [
            figure("Read", counts.read, "records in the file", kind: "read"),
            figure("Stored", counts.created, "new conversations", kind: "created"),
            figure("Already there", counts.duplicate + counts.updated + counts.conflict,
                   alreadyNote(counts), kind: "duplicate"),
            figure("Rejected", counts.rejected, counts.rejected > 0 ? "see the reasons below" : "every record was valid",
                   kind: "rejected"),
        ]
        let accounted = counts.created + counts.updated + counts.duplicate + counts.conflict + counts.rejected
        values["balanced"] = accounted == counts.read
        values["accountingText"] = "\(Format.number(counts.read)) read = \(Format.number(counts.created)) new + "
            + "\(Format.number(counts.updated)) updated + \(Format.number(counts.duplicate)) duplicate + "
            + "\(Format.number(counts.conflict)) conflict + \(Format.number(counts.rejected)) rejected"
        values["rejections"] = upload.rejections.map(rejection)
        values["hasRejections"] = !upload.rejections.isEmpty
        values["moreRejected"] = counts.rejected > upload.rejections.count
            ? Format.number(counts.rejected - upload.rejections.count) : ""
        values["hasMoreRejected"] = counts.rejected > upload.rejections.count
        values["storedFormat"] = formatTitle(upload.detectedFormat ?? upload.format)
        if let asked = upload.format { values["askedFormat"] = formatTitle(asked) }
        values["shownRejected"] = Format.number(upload.rejections.count)
        if let mapping = upload.csvMapping?.objectValue {
            values["mapping"] = mapping.keys.sorted().compactMap { key -> [String: String]? in
                let value = mapping[key]?.stringValue
                    ?? mapping[key]?.arrayValue?.compactMap(\.stringValue).joined(separator: ", ")
                return value.map { ["key": key, "value": $0] }
            }
            values["hasMapping"] = !mapping.isEmpty
        }
        return values
    }

    private static func alreadyNote(_ counts: ImportStore.Counts) -> String {
        var parts: [String] = []
        if counts.duplicate > 0 { parts.append("\(Format.number(counts.duplicate)) identical") }
        if counts.updated > 0 { parts.append("\(Format.number(counts.updated)) updated") }
        if counts.conflict > 0 { parts.append("\(Format.number(counts.conflict)) conflicting, kept as stored") }
        return parts.isEmpty ? "same id imported before" : parts.joined(separator: " · ")
    }

    private static func figure(_ label: String, _ value: Int, _ note: String, kind: String) -> [String: Any] {
        ["label": label, "value": Format.number(value), "note": note, "kind": kind, "nonzero": value > 0]
    }

    /// `line 12: messages: is required` → line 12 and the reason.
    static func rejection(_ text: String) -> [String: String] {
        if text.hasPrefix("line "), let colon = text.firstIndex(of: ":") {
            let number = text[text.index(text.startIndex, offsetBy: 5)..<colon]
            if Int(number) != nil {
                return ["line": String(number),
                        "reason": text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)]
            }
        }
        return ["line": "–", "reason": text]
    }
}
