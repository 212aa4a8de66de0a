/// Why an import file, or one of its records, could not be read.
public struct ImportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem it is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String {
            case unreadable, unknownFormat, invalidJSON, invalidRecord, lineTooLong, missingColumn
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The file cannot be opened or read.
        public static let unreadable = Code(.unreadable)
        /// The format was not given and could not be detected.
        public static let unknownFormat = Code(.unknownFormat)
        /// A line is not valid JSON.
        public static let invalidJSON = Code(.invalidJSON)
        /// A record parsed but does not describe a conversation.
        public static let invalidRecord = Code(.invalidRecord)
        /// A line (or CSV record) is longer than the reader accepts.
        public static let lineTooLong = Code(.lineTooLong)
        /// The CSV header lacks a column the mapping names.
        public static let missingColumn = Code(.missingColumn)

        public var description: String { value.rawValue }
    }

    /// What kind of problem it is.
    public var code: Code
    /// The line the record starts on (1-based), or 0 for a problem with the whole file.
    public var line: Int
    /// What went wrong, in words.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, line: Int, _ message: String) {
        self.code = code
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "line \(line): \(message)" : message }
}
