import Foundation

/// A labelled evaluation set: one text and one gold label per row.
struct LabelledTexts {
    var name: String
    var texts: [String]
    var labels: [String]

    /// Loads `banking77`, `hwu64` (test splits under `dataDirectory`), or a file: a `text,category` CSV, or a
    /// folder with `seq.in` and `label` line files.
    static func load(_ spec: String, dataDirectory: URL) throws -> LabelledTexts {
        switch spec {
        case "banking77":
            return try csv(dataDirectory.appendingPathComponent("banking77/test.csv"), name: spec)
        case "hwu64":
            return try lineFiles(dataDirectory.appendingPathComponent("hwu64/test"), name: spec)
        default:
            let url = URL(fileURLWithPath: spec)
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
            let name = url.deletingPathExtension().lastPathComponent
            return isDirectory.boolValue ? try lineFiles(url, name: name) : try csv(url, name: name)
        }
    }

    static func lineFiles(_ folder: URL, name: String) throws -> LabelledTexts {
        func lines(_ file: String) throws -> [String] {
            try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }
        let texts = try lines("seq.in")
        let labels = try lines("label")
        var result = LabelledTexts(name: name, texts: [], labels: [])
        for (text, label) in zip(texts, labels) where !text.isEmpty && !label.isEmpty {
            result.texts.append(text.trimmingCharacters(in: .whitespaces))
            result.labels.append(label.trimmingCharacters(in: .whitespaces))
        }
        return result
    }

    /// A two-column CSV with a header line; fields may be double-quoted with `""` escapes.
    static func csv(_ file: URL, name: String) throws -> LabelledTexts {
        let content = try String(contentsOf: file, encoding: .utf8)
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var iterator = Array(content).makeIterator()
        var pending: Character? = nil
        while let character = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    let next = iterator.next()
                    if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                row.append(field); field = ""
            } else if character == "\n" || character == "\r\n" {
                row.append(field); field = ""
                rows.append(row); row = []
            } else if character != "\r" {
                field.append(character)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        var result = LabelledTexts(name: name, texts: [], labels: [])
        for fields in rows.dropFirst() where fields.count >= 2 && !fields[0].isEmpty {
            result.texts.append(fields[0])
            result.labels.append(fields[fields.count - 1])
        }
        return result
    }

    /// Gold labels as dense integer ids.
    var labelIDs: [Int] {
        var ids: [String: Int] = [:]
        return labels.map { label in
            if let id = ids[label] { return id }
            ids[label] = ids.count
            return ids.count - 1
        }
    }
}
