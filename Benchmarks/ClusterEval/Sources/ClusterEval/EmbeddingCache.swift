import Embeddings
import Foundation

/// Embeddings of an evaluation set cached in a file (`n`, `d` as Int32 little-endian, then the Float rows), so
/// that iterating on the clustering does not re-run the encoder.
enum EmbeddingCache {
    static func vectors(
        for data: LabelledTexts, model: EmbeddingModel, directory: URL
    ) throws -> EmbeddingMatrix {
        var hasher = FNV1a()
        for text in data.texts { hasher.add(text) }
        let file = directory.appendingPathComponent(
            "\(data.name)-\(model.rawValue)-\(data.texts.count)-\(String(hasher.value, radix: 16)).f32")
        if let cached = read(file), cached.count == data.texts.count { return cached }
        let embedder = try EmbedderConfiguration(model: model).makeEmbedder()
        let start = Date()
        let matrix = try embedder.embed(data.texts)
        print("embedded \(data.texts.count) texts with \(model.rawValue) in "
            + String(format: "%.1f s", Date().timeIntervalSince(start)))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var bytes = Data()
        withUnsafeBytes(of: Int32(matrix.count).littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: Int32(matrix.dimension).littleEndian) { bytes.append(contentsOf: $0) }
        matrix.values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        try bytes.write(to: file)
        return matrix
    }

    static func read(_ file: URL) -> EmbeddingMatrix? {
        guard let data = try? Data(contentsOf: file), data.count >= 8 else { return nil }
        let n = Int(data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 0, as: Int32.self).littleEndian })
        let d = Int(data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 4, as: Int32.self).littleEndian })
        guard n > 0, d > 0, data.count == 8 + n * d * 4 else { return nil }
        var values = [Float](repeating: 0, count: n * d)
        values.withUnsafeMutableBytes { target in
            data.withUnsafeBytes { source in
                target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[8...]))
            }
        }
        return try? EmbeddingMatrix(count: n, dimension: d, values: values)
    }
}

/// 64-bit FNV-1a over UTF-8, to key the cache by content.
struct FNV1a {
    var value: UInt64 = 0xcbf2_9ce4_8422_2325
    mutating func add(_ text: String) {
        for byte in text.utf8 { value = (value ^ UInt64(byte)) &* 0x100_0000_01b3 }
        value = (value ^ 0x0a) &* 0x100_0000_01b3
    }
}
