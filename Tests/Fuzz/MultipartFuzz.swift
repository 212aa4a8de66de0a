// libFuzzer entry for `multipart/form-data` bodies (Request.multipartParts: MultipartParser.boundary, then parse).
// The input's first line is the Content-Type value, the rest the body; a content type without a usable boundary
// falls back to the boundary "b" so that every input reaches the body parser.
// Not a SwiftPM target: scripts/fuzz.sh compiles it with MultipartParser.swift and the header sources it needs.

@_cdecl("LLVMFuzzerTestOneInput")
public func multipartFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let newline = bytes.firstIndex(of: 0x0A) ?? bytes.count
    let contentType = String(decoding: bytes[..<newline], as: UTF8.self)
    let body = newline < bytes.count ? Array(bytes[(newline + 1)...]) : []
    let boundary = MultipartParser.boundary(fromContentType: contentType)
    if let boundary { require((1...70).contains(boundary.utf8.count), "boundary length outside RFC 2046 limits") }
    guard let parts = MultipartParser.parse(body, boundary: boundary ?? "b") else { return 0 }
    require(parts.count <= MultipartParser.maxParts, "more parts than the limit")
    var total = 0
    for part in parts {
        total += part.body.count
        if let filename = part.filename {
            require(!filename.contains("/") && !filename.contains("\\"), "a file name kept a path separator")
        }
        _ = (part.name, part.contentType, part.headers.count)
    }
    require(total <= body.count, "parts hold more bytes than the body")
    return 0
}
