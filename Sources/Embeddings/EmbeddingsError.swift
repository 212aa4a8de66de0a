/// An error raised while loading or running an embedding model.
///
/// A small struct wrapping a private code, with the file or tensor it concerns and a human-readable reason.
public struct EmbeddingsError: Error, CustomStringConvertible, Sendable, Equatable {
    private enum Code: Sendable, Equatable {
        case modelFilesMissing
        case unreadableFile
        case invalidSafetensors
        case tensorMismatch
        case invalidVocabulary
        case invalidConfiguration
        case unknownModel
        case dimensionMismatch
    }

    private let code: Code
    /// The file, tensor or setting the error is about.
    public let subject: String
    /// What went wrong, in words.
    public let reason: String

    private init(_ code: Code, subject: String, reason: String) {
        self.code = code
        self.subject = subject
        self.reason = reason
    }

    /// The error in one sentence, naming the file or tensor (and `make models` when files are missing).
    public var description: String {
        switch code {
        case .modelFilesMissing:
            return "embedding model files missing in \(subject): \(reason). Run `make models` "
                + "(or set PARLEY_MODELS to the folder that holds the models)."
        case .unreadableFile: return "cannot read \(subject): \(reason)"
        case .invalidSafetensors: return "invalid safetensors file \(subject): \(reason)"
        case .tensorMismatch: return "unexpected tensor \(subject): \(reason)"
        case .invalidVocabulary: return "invalid vocabulary \(subject): \(reason)"
        case .invalidConfiguration: return "invalid model configuration \(subject): \(reason)"
        case .unknownModel: return "unknown embedding model \(subject): \(reason)"
        case .dimensionMismatch: return "vector length mismatch in \(subject): \(reason)"
        }
    }

    /// The model's files are not where the configuration says; the fix is `make models`.
    public static func modelFilesMissing(_ directory: String, missing: [String]) -> Self {
        Self(.modelFilesMissing, subject: directory, reason: "no " + missing.joined(separator: ", "))
    }

    /// A file exists but could not be opened, mapped or read.
    public static func unreadableFile(_ path: String, reason: String) -> Self {
        Self(.unreadableFile, subject: path, reason: reason)
    }

    /// A safetensors file has a malformed header or out-of-range offsets.
    public static func invalidSafetensors(_ path: String, reason: String) -> Self {
        Self(.invalidSafetensors, subject: path, reason: reason)
    }

    /// A tensor is absent or has a dtype or shape the model cannot use.
    public static func tensorMismatch(_ name: String, reason: String) -> Self {
        Self(.tensorMismatch, subject: name, reason: reason)
    }

    /// A `vocab.txt` is empty, lacks a required special token, or does not match the weights.
    public static func invalidVocabulary(_ path: String, reason: String) -> Self {
        Self(.invalidVocabulary, subject: path, reason: reason)
    }

    /// A `config.json` is unreadable or describes an unsupported architecture.
    public static func invalidConfiguration(_ path: String, reason: String) -> Self {
        Self(.invalidConfiguration, subject: path, reason: reason)
    }

    /// A vector or matrix does not have the length its dimension requires.
    public static func dimensionMismatch(_ context: String, expected: Int, actual: Int) -> Self {
        Self(.dimensionMismatch, subject: context, reason: "expected \(expected) values, got \(actual)")
    }

    /// The configuration names a model that Parley does not know.
    public static func unknownModel(_ name: String) -> Self {
        Self(.unknownModel, subject: "'\(name)'", reason: "expected 'minilm' or 'potion'")
    }
}
