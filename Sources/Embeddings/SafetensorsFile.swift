import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A memory-mapped `.safetensors` file: an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the raw little-endian tensor data.
///
/// The header is validated when the file is opened (length, JSON shape, known dtypes, offsets inside the file,
/// byte sizes matching the shapes); tensors are read as `Float`, converting F16 and BF16.
public final class SafetensorsFile: Sendable {
    /// The element type of a tensor.
    public enum DType: String, Sendable {
        case f32 = "F32"
        case f16 = "F16"
        case bf16 = "BF16"
        case f64 = "F64"
        case i64 = "I64"
        case i32 = "I32"
        case i16 = "I16"
        case i8 = "I8"
        case u8 = "U8"
        case bool = "BOOL"

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .f64, .i64: return 8
            case .f32, .i32: return 4
            case .f16, .bf16, .i16: return 2
            case .i8, .u8, .bool: return 1
            }
        }
    }

    /// Where one tensor lives in the file.
    public struct TensorInfo: Sendable, Equatable {
        /// The element type.
        public let dtype: DType
        /// The shape, outermost dimension first.
        public let shape: [Int]
        /// Byte range relative to the start of the data section.
        public let range: Range<Int>
    }

    /// The path the file was opened from.
    public let path: String
    /// Every tensor in the file, by name.
    public let tensors: [String: TensorInfo]
    private let mapping: MappedFile
    private let dataStart: Int

    /// Maps the file and validates its header.
    /// - Throws: `EmbeddingsError` when the file cannot be mapped or its header is malformed.
    public init(path: String) throws {
        let mapping = try MappedFile(path: path)
        let size = mapping.count
        guard size >= 8 else {
            throw EmbeddingsError.invalidSafetensors(path, reason: "file is \(size) bytes, shorter than a header")
        }
        let headerLength = UInt64(littleEndian: mapping.bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        // The format caps the header at 100 MB; anything larger is corruption, not a model.
        guard headerLength >= 2, headerLength <= 100_000_000, headerLength <= UInt64(size - 8) else {
            throw EmbeddingsError.invalidSafetensors(
                path, reason: "header length \(headerLength) does not fit a \(size)-byte file")
        }
        let header = Data(UnsafeRawBufferPointer(rebasing: mapping.bytes[8..<8 + Int(headerLength)]))
        self.path = path
        self.mapping = mapping
        self.dataStart = 8 + Int(headerLength)
        self.tensors = try Self.parseHeader(header, dataSize: size - dataStart, path: path)
    }

    /// The tensor `name` as `Float`s in row-major order, checked against `shape` when given.
    /// - Throws: `EmbeddingsError.tensorMismatch` when the tensor is absent, not a float type, or shaped otherwise.
    public func floats(_ name: String, shape: [Int]? = nil) throws -> [Float] {
        guard let info = tensors[name] else {
            throw EmbeddingsError.tensorMismatch(name, reason: "not found in \(path)")
        }
        if let shape, shape != info.shape {
            throw EmbeddingsError.tensorMismatch(name, reason: "shape \(info.shape), expected \(shape)")
        }
        let count = info.shape.reduce(1, *)
        let raw = UnsafeRawBufferPointer(
            rebasing: mapping.bytes[dataStart + info.range.lowerBound..<dataStart + info.range.upperBound])
        switch info.dtype {
        case .f32:
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                // The data section need not be 4-byte aligned: copy bytes, then fix the byte order.
                if count > 0, let target = buffer.baseAddress, let source = raw.baseAddress {
                    memcpy(target, source, count * 4)
                }
                initialized = count
                for i in 0..<count { buffer[i] = Float(bitPattern: UInt32(littleEndian: buffer[i].bitPattern)) }
            }
        case .f16:
            return (0..<count).map { i in
                Float(
                    Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))
                )
            }
        case .bf16:
            return (0..<count).map { i in
                let bits = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
                return Float(bitPattern: UInt32(bits) << 16)
            }
        default:
            throw EmbeddingsError.tensorMismatch(name, reason: "dtype \(info.dtype.rawValue) is not a float type")
        }
    }
}
