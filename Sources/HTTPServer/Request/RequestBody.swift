/// The content of a request: an async sequence of byte chunks, or collected in one buffer.
///
/// Consume it once. Content sent with `Content-Encoding: gzip` is inflated on the fly, and the inflated size
/// is held to the route's body limit (`413` beyond it). Small bodies that arrived with the head are already
/// in memory; large uploads stream from the socket with backpressure.
public struct RequestBody: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    enum Storage: Sendable {
        case bytes([UInt8])
        case stream(RequestBodyStream)
    }

    let storage: Storage
    /// Most bytes the (inflated) content may hold.
    public let limit: Int
    /// Whether the content arrives gzip-compressed and is inflated while reading.
    public let isGzipEncoded: Bool

    init(storage: Storage, limit: Int, gzip: Bool) {
        self.storage = storage
        self.limit = limit
        self.isGzipEncoded = gzip
    }

    /// An in-memory body, for tests and for building requests by hand.
    public init(bytes: [UInt8], limit: Int = .max) {
        self.init(storage: .bytes(bytes), limit: limit, gzip: false)
    }

    /// No content.
    public static let empty = RequestBody(bytes: [])

    /// The content as it is on the wire (not inflated), e.g. to feed your own `GzipInflater`.
    public var raw: RequestBody {
        RequestBody(storage: storage, limit: limit, gzip: false)
    }

    /// Reads the whole content into memory.
    /// - Parameter maxSize: a tighter limit than the route's, if any.
    /// - Throws: `HTTPError` 413 when the content is larger, 400 on corrupt gzip, or `ConnectionClosedError`.
    public func collect(upTo maxSize: Int? = nil) async throws -> [UInt8] {
        let cap = Swift.min(maxSize ?? limit, limit)
        if case .bytes(let bytes) = storage, !isGzipEncoded {
            guard bytes.count <= cap else { throw HTTPError(.contentTooLarge) }
            return bytes
        }
        var collected: [UInt8] = []
        for try await chunk in self {
            guard collected.count + chunk.count <= cap else { throw HTTPError(.contentTooLarge) }
            collected += chunk
        }
        return collected
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(storage: storage, limit: limit, gzip: isGzipEncoded)
    }

    /// Iterates the chunks of a request body.
    public struct Iterator: AsyncIteratorProtocol {
        private var storage: Storage?
        private let limit: Int
        private let gzip: Bool
        private var inflater: GzipInflater?

        init(storage: Storage, limit: Int, gzip: Bool) {
            self.storage = storage
            self.limit = limit
            self.gzip = gzip
        }

        public mutating func next() async throws -> [UInt8]? {
            guard gzip else { return try await nextRaw() }
            if inflater == nil { inflater = try GzipInflater(limit: limit) }
            guard let inflater else { return nil }
            while true {
                guard let compressed = try await nextRaw() else {
                    guard inflater.isFinished else { throw HTTPError(.badRequest, message: "Truncated gzip content") }
                    return nil
                }
                let inflated: [UInt8]
                do {
                    inflated = try inflater.inflate(compressed)
                } catch let error as GzipError {
                    throw error.isLimitExceeded
                        ? HTTPError(.contentTooLarge) : HTTPError(.badRequest, message: "Invalid gzip content")
                }
                if !inflated.isEmpty { return inflated }
            }
        }

        private mutating func nextRaw() async throws -> [UInt8]? {
            switch storage {
            case .bytes(let bytes):
                storage = nil
                return bytes.isEmpty ? nil : bytes
            case .stream(let stream):
                return try await stream.next()
            case nil:
                return nil
            }
        }
    }
}
