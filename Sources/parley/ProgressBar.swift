import Foundation

/// A one-line progress display on a terminal's standard error; silent when it is not a terminal.
final class ProgressBar {
    private let label: String
    private let enabled = isatty(STDERR_FILENO) != 0
    private var lastDraw = Date.distantPast
    private let start = Date()

    init(label: String) { self.label = label }

    func update(done: Int, total: Int? = nil, detail: String) {
        guard enabled, Date().timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = Date()
        let rate = Double(done) / max(Date().timeIntervalSince(start), 0.001)
        var line = "\r\(label): \(done)"
        if let total, total > 0 {
            let f = min(1, Double(done) / Double(total))
            let width = 30
            let filled = Int(f * Double(width))
            line += "/\(total) [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
        }
        line += String(format: " %.0f/s  ", rate) + detail + "\u{1B}[K"
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
