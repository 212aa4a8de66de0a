// Stand-ins for the few Parley types the decoders name but that would drag in the HTTPServer module
// (scripts/fuzz.sh compiles the decoder sources standalone). Only data carriers: no logic is replaced.

/// `Problem` (Sources/Parley/API/Problem.swift) conforms to `HTTPResponseError`; the validators only build its
/// `FieldError`, which is copied here field for field.
public struct Problem {
    public struct FieldError: Sendable, Equatable {
        public var path: String
        public var message: String
        public init(path: String, message: String) {
            self.path = path
            self.message = message
        }
    }
}
