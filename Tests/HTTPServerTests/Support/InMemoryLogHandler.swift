import Logging
import Synchronization

/// Collects log entries in memory so tests can assert on them.
final class InMemoryLogRecorder: Sendable {
    struct Entry: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    private let entries = Mutex<[Entry]>([])

    var all: [Entry] { entries.withLock { $0 } }

    func append(_ entry: Entry) {
        entries.withLock { $0.append(entry) }
    }

    /// A logger writing into this recorder.
    func logger(level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: "test") { _ in InMemoryLogHandler(recorder: self) }
        logger.logLevel = level
        return logger
    }
}

/// A `LogHandler` that appends to an `InMemoryLogRecorder`.
struct InMemoryLogHandler: LogHandler {
    let recorder: InMemoryLogRecorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        recorder.append(
            InMemoryLogRecorder.Entry(
                level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
    }
}
