import CLibPQ
import Glibc

/// Lays the parameters out for `PQexecParams`: type OIDs, value pointers, byte lengths and formats.
func withParameters<R>(
    _ binds: [PostgresBind],
    _ body: (
        UnsafePointer<Oid>?, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?
    ) -> R
) -> R {
    if binds.isEmpty { return body(nil, nil, nil, nil) }
    let types = binds.map { Oid($0.type.rawValue) }
    let lengths = binds.map { Int32($0.bytes?.count ?? 0) }
    let formats = binds.map { Int32($0.format) }
    // One buffer for all values, so the pointers stay valid for the call.
    let total = binds.reduce(0) { $0 + ($1.bytes?.count ?? 0) }
    let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(total, 1), alignment: 1)
    defer { storage.deallocate() }
    var pointers: [UnsafePointer<CChar>?] = []
    pointers.reserveCapacity(binds.count)
    var offset = 0
    for bind in binds {
        guard let bytes = bind.bytes else {
            pointers.append(nil)
            continue
        }
        let start = storage.baseAddress! + offset
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress { start.copyMemory(from: base, byteCount: source.count) }
        }
        pointers.append(UnsafePointer(start.assumingMemoryBound(to: CChar.self)))
        offset += bytes.count
    }
    return body(types, pointers, lengths, formats)
}

/// Passes an array of Swift strings as a NULL-terminated `const char * const *`.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let duplicated = strings.map { strdup($0) }
    defer { duplicated.forEach { free($0) } }
    var pointers: [UnsafePointer<CChar>?] = duplicated.map { $0.map { UnsafePointer($0) } }
    pointers.append(nil)
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
