import Foundation

extension SafetensorsFile {
    /// Parses and validates the JSON header: `{"name": {"dtype": "F32", "shape": [..], "data_offsets": [b, e]}}`
    /// plus an optional `__metadata__` object of strings.
    static func parseHeader(_ header: Data, dataSize: Int, path: String) throws -> [String: TensorInfo] {
        func invalid(_ reason: String) -> EmbeddingsError {
            EmbeddingsError.invalidSafetensors(path, reason: reason)
        }
        guard header.first == UInt8(ascii: "{") else { throw invalid("header is not a JSON object") }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: header)
        } catch {
            throw invalid("header is not valid JSON")
        }
        guard let entries = object as? [String: Any] else { throw invalid("header is not a JSON object") }
        var tensors: [String: TensorInfo] = [:]
        for (name, value) in entries where name != "__metadata__" {
            guard let entry = value as? [String: Any] else { throw invalid("entry \(name) is not an object") }
            guard let dtypeName = entry["dtype"] as? String, let dtype = DType(rawValue: dtypeName) else {
                throw invalid("tensor \(name) has an unknown dtype")
            }
            guard let shapeValues = entry["shape"] as? [Any], let offsetValues = entry["data_offsets"] as? [Any],
                offsetValues.count == 2
            else {
                throw invalid("tensor \(name) lacks shape or data_offsets")
            }
            let shape = try shapeValues.map { value -> Int in
                guard let dimension = Self.integer(value), dimension >= 0, dimension <= Int(Int32.max) else {
                    throw invalid("tensor \(name) has an invalid shape")
                }
                return dimension
            }
            guard let begin = Self.integer(offsetValues[0]), let end = Self.integer(offsetValues[1]),
                begin >= 0, begin <= end, end <= dataSize
            else {
                throw invalid("tensor \(name) has data_offsets outside the \(dataSize)-byte data section")
            }
            var elements = 1
            for dimension in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
                guard !overflow else { throw invalid("tensor \(name) is too large") }
                elements = product
            }
            let (bytes, overflow) = elements.multipliedReportingOverflow(by: dtype.size)
            guard !overflow, bytes == end - begin else {
                throw invalid("tensor \(name) holds \(end - begin) bytes, its shape \(shape) needs \(bytes)")
            }
            tensors[name] = TensorInfo(dtype: dtype, shape: shape, range: begin..<end)
        }
        return tensors
    }

    /// A JSON number that is an exact non-fractional integer (JSONSerialization yields NSNumber).
    private static func integer(_ value: Any) -> Int? {
        if let int = value as? Int { return int }
        if let double = value as? Double, double.rounded() == double, abs(double) < 1e15 { return Int(double) }
        return nil
    }
}
