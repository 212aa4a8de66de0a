extension Request {
    /// Collects and parses an `application/x-www-form-urlencoded` body.
    /// - Throws: `HTTPError` 415 for another content type, 413 when too large.
    public func formFields() async throws -> QueryParameters {
        guard contentType == "application/x-www-form-urlencoded" else {
            throw HTTPError(.unsupportedMediaType, message: "Expected application/x-www-form-urlencoded content")
        }
        let bytes = try await body.collect()
        return QueryParameters(String(decoding: bytes, as: UTF8.self))
    }

    /// Collects and parses a `multipart/form-data` body (RFC 7578), e.g. a file upload.
    /// - Throws: `HTTPError` 415 for another content type, 400 when malformed, 413 when too large.
    public func multipartParts() async throws -> [MultipartPart] {
        guard contentType == "multipart/form-data", let value = headers["Content-Type"],
            let boundary = MultipartParser.boundary(fromContentType: value)
        else {
            throw HTTPError(.unsupportedMediaType, message: "Expected multipart/form-data content with a boundary")
        }
        let bytes = try await body.collect()
        guard let parts = MultipartParser.parse(bytes, boundary: boundary) else {
            throw HTTPError(.badRequest, message: "Malformed multipart/form-data content")
        }
        return parts
    }
}
