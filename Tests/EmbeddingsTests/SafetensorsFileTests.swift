import Embeddings
import Foundation
import Testing

/// The safetensors reader on small files written to a temporary folder.
@Suite final class SafetensorsFileTests {
    /// One folder per test, removed when the test's suite instance goes away.
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-safetensors-\(UUID().uuidString)")

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Writes `header` (JSON) and `data` as a safetensors file and returns its path.
    func write(header: String, data: [UInt8], declaredLength: UInt64? = nil) throws -> String {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let json = Array(header.utf8)
        var bytes: [UInt8] = withUnsafeBytes(of: (declaredLength ?? UInt64(json.count)).littleEndian) { Array($0) }
        bytes += json + data
        let url = directory.appendingPathComponent("model.safetensors")
        try Data(bytes).write(to: url)
        return url.path
    }

    func floatBytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
    }

    @Test func readsFloat32Float16AndBFloat16() throws {
        let f16: [UInt8] = [0x00, 0x3C, 0x00, 0xC0]  // 1.0, -2.0
        let bf16: [UInt8] = [0x80, 0x3F, 0x40, 0x40]  // 1.0, 3.0
        let header = """
            {"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},\
            "h":{"dtype":"F16","shape":[2],"data_offsets":[16,20]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[20,24]}}
            """
        let path = try write(header: header, data: floatBytes([1, 2, 3, 4.5]) + f16 + bf16)
        let file = try SafetensorsFile(path: path)
        #expect(try file.floats("a", shape: [2, 2]) == [1, 2, 3, 4.5])
        #expect(try file.floats("h") == [1, -2])
        #expect(try file.floats("b") == [1, 3])
        #expect(throws: EmbeddingsError.self) { try file.floats("a", shape: [4]) }
        #expect(throws: EmbeddingsError.self) { try file.floats("missing") }
    }

    @Test func rejectsCorruptHeaders() throws {
        let data = floatBytes([1, 2])
        let cases: [(String, UInt64?)] = [
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]", nil),  // truncated JSON
            ("not json at all", nil),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 1 << 40),  // length past the end
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", nil),  // shape ≠ bytes
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", nil),  // offsets past the data
            ("{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", nil),  // unknown dtype
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", nil),
            ("[1,2,3]", nil),
        ]
        for (header, length) in cases {
            let path = try write(header: header, data: data, declaredLength: length)
            #expect(throws: EmbeddingsError.self, "\(header)") { try SafetensorsFile(path: path) }
        }
        let tiny = try write(header: "", data: [], declaredLength: nil)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: tiny))
        #expect(throws: EmbeddingsError.self) { try SafetensorsFile(path: tiny) }
        #expect(throws: EmbeddingsError.self) { try SafetensorsFile(path: "/nonexistent/model.safetensors") }
    }
}
