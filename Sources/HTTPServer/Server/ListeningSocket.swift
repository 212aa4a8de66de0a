#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Creating, binding and configuring sockets with POSIX calls.
enum ListeningSocket {
    /// Binds a non-blocking listening socket on `host:port` and returns it with the bound port.
    /// - Throws: `HTTPServerError` when no address of `host` can be bound.
    static func bind(host: String, port: Int, reusePort: Bool, backlog: Int32) throws -> (fd: Int32, port: Int) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else { throw HTTPServerError.resolve(host: host) }
        defer { freeaddrinfo(list) }
        var lastError: Int32 = 0
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            candidate = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else {
                lastError = errno
                continue
            }
            setOption(fd, SOL_SOCKET, SO_REUSEADDR)
            if reusePort { setOption(fd, SOL_SOCKET, SO_REUSEPORT) }
            guard Glibc.bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0, listen(fd, backlog) == 0 else {
                lastError = errno
                _ = Glibc.close(fd)
                continue
            }
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            return (fd, boundPort(fd))
        }
        throw HTTPServerError.bind(host: host, port: port, errno: lastError)
    }

    /// Sets an integer socket option to 1.
    static func setOption(_ fd: Int32, _ level: Int32, _ option: Int32) {
        var one: Int32 = 1
        _ = setsockopt(fd, level, option, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Disables Nagle: responses go out in one segment without waiting for delayed ACKs.
    static func setNoDelay(_ fd: Int32) {
        setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY)
    }

    private static func boundPort(_ fd: Int32) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { return 0 }
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafeBytes(of: storage) { Int(UInt16(bigEndian: $0.load(as: sockaddr_in.self).sin_port)) }
        case AF_INET6:
            return withUnsafeBytes(of: storage) { Int(UInt16(bigEndian: $0.load(as: sockaddr_in6.self).sin6_port)) }
        default:
            return 0
        }
    }
}

/// The server could not start.
public struct HTTPServerError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, for logs.
    public let description: String

    static func resolve(host: String) -> HTTPServerError {
        HTTPServerError(description: "cannot resolve listen address \(host)")
    }

    static func bind(host: String, port: Int, errno: Int32) -> HTTPServerError {
        HTTPServerError(description: "cannot listen on \(host):\(port): \(String(cString: strerror(errno)))")
    }

    static let alreadyStarted = HTTPServerError(description: "server already started")
}
