import CShim
import Dispatch
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Accepts connections and deals them out to the shards.
///
/// `@unchecked Sendable`: confined to `queue`.
final class Listener: @unchecked Sendable {
    let queue = DispatchQueue(label: "http.accept")
    private let fd: Int32
    private let core: ServerCore
    private var source: (any DispatchSourceRead)?
    private var suspended = false
    private var nextShard = 0
    private static let busyResponse = Array(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 1\r\nConnection: close\r\n\r\n".utf8)

    init(fd: Int32, core: ServerCore) {
        self.fd = fd
        self.core = core
    }

    func start() {
        queue.async { [self] in
            let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
            source.setEventHandler { [self] in acceptAll() }
            source.setCancelHandler { [fd] in _ = Glibc.close(fd) }
            self.source = source
            source.resume()
        }
    }

    /// Stops accepting and closes the listening socket.
    func stop() {
        queue.async { [self] in
            guard let source else { return }
            if suspended {
                suspended = false
                source.resume()
            }
            source.cancel()
            self.source = nil
        }
    }

    /// Accepts until EAGAIN: one read event may stand for many pending connections.
    private func acceptAll() {
        dispatchPrecondition(condition: .onQueue(queue))
        while source != nil {
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let (client, error) = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    (cshim_accept4_nonblocking(fd, socketAddress, &length), errno)
                }
            }
            if client >= 0 {
                hand(client, address: address)
                continue
            }
            switch error {
            case EAGAIN, EWOULDBLOCK:
                return
            case EINTR, ECONNABORTED, EPROTO:
                continue
            case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                // Out of descriptors or memory: keep the listener, pause accepting, retry shortly.
                core.logger.warning("accept failed; backing off", metadata: ["errno": "\(error)"])
                backOff()
                return
            default:
                core.logger.error("accept failed", metadata: ["errno": "\(error)"])
                return
            }
        }
    }

    private func hand(_ client: Int32, address: sockaddr_storage) {
        if core.isDraining {
            _ = Glibc.close(client)
            return
        }
        let count = core.connectionCount.add(1, ordering: .acquiringAndReleasing).newValue
        if count > core.configuration.maxConnections {
            core.connectionCount.subtract(1, ordering: .releasing)
            // Best effort: the socket is fresh, so the short reply fits its send buffer.
            Self.busyResponse.withUnsafeBytes { bytes in
                _ = Glibc.send(client, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            }
            _ = Glibc.close(client)
            return
        }
        ListeningSocket.setNoDelay(client)
        let shard = core.shards[nextShard % core.shards.count]
        nextShard &+= 1
        let core = self.core
        shard.queue.async {
            Connection(fd: client, peer: address, shard: shard, core: core).start()
        }
    }

    private func backOff() {
        guard let source, !suspended else { return }
        suspended = true
        source.suspend()
        queue.asyncAfter(deadline: .now() + .milliseconds(100)) { [self] in
            guard suspended, let source = self.source else { return }
            suspended = false
            source.resume()
        }
    }
}
