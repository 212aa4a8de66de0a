import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A blocking loopback client for tests. Every socket call runs on the client's own serial queue (its own
/// thread), never on the cooperative pool, which the server's handlers need.
final class RawClient: @unchecked Sendable {
    struct ClientError: Error, CustomStringConvertible {
        let description: String
    }

    /// A response as read off the wire.
    struct Response {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        var text: String { String(decoding: body, as: UTF8.self) }
    }

    private let fd: Int32
    private let queue = DispatchQueue(label: "test.client")
    /// Bytes received but not yet consumed (confined to `queue`).
    private var pending: [UInt8] = []

    private init(fd: Int32) {
        self.fd = fd
    }

    deinit {
        _ = Glibc.close(fd)
    }

    /// Connects to 127.0.0.1:`port`; `receiveBuffer` shrinks SO_RCVBUF to make a slow reader.
    ///
    /// `sending` goes out right after the connect, on the client's thread: with sub-second server timeouts,
    /// a separate `send` could arrive after a loaded cooperative pool let the keep-alive timeout expire.
    static func connect(
        port: Int, receiveBuffer: Int32? = nil, timeout: Int = 20, sending first: [UInt8] = []
    ) async throws -> RawClient {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError(description: "socket failed") }
        var time = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        let client = RawClient(fd: fd)
        try await client.run {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard result == 0 else { throw ClientError(description: "connect failed: errno \(errno)") }
            try client.sendAll(first)
        }
        return client
    }

    /// Runs blocking work on the client's thread.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }

    func send(_ text: String) async throws {
        try await send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) async throws {
        try await run { try self.sendAll(bytes) }
    }

    private func sendAll(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw ClientError(description: "send failed: errno \(errno)") }
            offset += sent
        }
    }

    /// Why the last `fill` returned false: EOF, reset, or the receive timeout (confined to `queue`).
    private var lastEnd = ""

    /// Reads more bytes into `pending`; returns false at EOF or on error/timeout (see `lastEnd`).
    private func fill(max: Int = 64 * 1024) -> Bool {
        var buffer = [UInt8](repeating: 0, count: max)
        let (count, error) = buffer.withUnsafeMutableBytes { (Glibc.recv(fd, $0.baseAddress, $0.count, 0), errno) }
        guard count > 0 else {
            // A server that never answered and one that closed look alike otherwise: say which it was.
            lastEnd =
                count == 0 ? "peer closed"
                : (error == EAGAIN || error == EWOULDBLOCK) ? "receive timed out" : "recv errno \(error)"
            return false
        }
        pending += buffer[0..<count]
        return true
    }

    /// Reads one response (Content-Length, chunked, or until close). `head` skips the body for HEAD requests.
    func readResponse(head: Bool = false) async throws -> Response {
        try await run { try self.readResponseNow(head: head) }
    }

    private func readResponseNow(head: Bool) throws -> Response {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd == nil {
            if let range = pending.firstRange(of: separator) {
                headEnd = range.upperBound
            } else if !fill() {
                throw ClientError(
                    description: "connection ended before a response head (\(pending.count) bytes, \(lastEnd))")
            }
        }
        guard let headEnd else { throw ClientError(description: "no head") }
        let lines = String(decoding: pending[0..<(headEnd - 4)], as: UTF8.self).components(separatedBy: "\r\n")
        pending.removeFirst(headEnd)
        guard let statusLine = lines.first, statusLine.count >= 12,
            let status = Int(statusLine.dropFirst(9).prefix(3))
        else { throw ClientError(description: "bad status line") }
        let headers = lines.dropFirst().compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var response = Response(status: status, headers: headers, body: [])
        if status == 100 { return response }
        if head || status == 204 || status == 304 { return response }
        if let length = response.header("Content-Length").flatMap(Int.init) {
            while pending.count < length {
                guard fill() else { throw ClientError(description: "body cut short (\(lastEnd))") }
            }
            response.body = Array(pending[0..<length])
            pending.removeFirst(length)
        } else if response.header("Transfer-Encoding")?.lowercased() == "chunked" {
            response.body = try readChunked()
        } else {
            while fill() {}
            response.body = pending
            pending = []
        }
        return response
    }

    private func readLine() throws -> String {
        while true {
            if let range = pending.firstRange(of: Array("\r\n".utf8)) {
                let line = String(decoding: pending[0..<range.lowerBound], as: UTF8.self)
                pending.removeFirst(range.upperBound)
                return line
            }
            guard fill() else { throw ClientError(description: "line cut short (\(lastEnd))") }
        }
    }

    private func readChunked() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let sizeLine = try readLine()
            guard let size = Int(sizeLine.split(separator: ";").first ?? "", radix: 16) else {
                throw ClientError(description: "bad chunk size \(sizeLine)")
            }
            if size == 0 {
                while try !readLine().isEmpty {}
                return body
            }
            while pending.count < size + 2 {
                guard fill() else { throw ClientError(description: "chunk cut short (\(lastEnd))") }
            }
            body += pending[0..<size]
            pending.removeFirst(size + 2)
        }
    }

    /// Reads until the peer closes (or the receive timeout); returns what arrived.
    func readUntilClosed() async throws -> [UInt8] {
        try await run {
            while self.fill() {}
            defer { self.pending = [] }
            return self.pending
        }
    }

    /// Whether the server closed the connection (EOF or reset) within the receive timeout.
    func isClosedByPeer() async throws -> Bool {
        try await run {
            var byte: UInt8 = 0
            let count = Glibc.recv(self.fd, &byte, 1, 0)
            let error = errno
            return count == 0 || (count < 0 && error == ECONNRESET)
        }
    }

    /// Reads exactly `count` raw bytes, `chunk` at a time with `pause` between reads (a slow reader).
    func readSlowly(count: Int, chunk: Int, pause: Duration) async throws -> [UInt8] {
        try await run {
            while self.pending.count < count {
                guard self.fill(max: chunk) else { throw ClientError(description: "cut short at \(self.pending.count)") }
                Thread.sleep(forTimeInterval: Double(pause.components.attoseconds) / 1e18)
            }
            let bytes = Array(self.pending[0..<count])
            self.pending.removeFirst(count)
            return bytes
        }
    }

    /// After `readSlowly` consumed the start of a status line: reads the rest of the head, then the
    /// Content-Length body slowly.
    func readResponseAfterStatusPrefix(slowChunk: Int, pause: Duration) async throws -> Response {
        let head = try await run { () throws -> (Int, Int) in
            while self.pending.firstRange(of: Array("\r\n\r\n".utf8)) == nil {
                guard self.fill(max: 1024) else { throw ClientError(description: "no head end") }
            }
            guard let range = self.pending.firstRange(of: Array("\r\n\r\n".utf8)) else { return (0, 0) }
            let text = String(decoding: self.pending[0..<range.lowerBound], as: UTF8.self)
            self.pending.removeFirst(range.upperBound)
            let length = text.components(separatedBy: "\r\n").compactMap { line -> Int? in
                guard line.lowercased().hasPrefix("content-length:") else { return nil }
                return Int(line.dropFirst(15).trimmingCharacters(in: .whitespaces))
            }.first
            return (200, length ?? 0)
        }
        let body = try await readSlowly(count: head.1, chunk: slowChunk, pause: pause)
        return Response(status: head.0, headers: [], body: body)
    }

    /// Half-closes the sending side.
    func shutdownWrite() {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }
}
