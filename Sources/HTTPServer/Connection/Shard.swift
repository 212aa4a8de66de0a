import Dispatch

/// A serial queue with the connections it owns and per-queue scratch state.
///
/// `@unchecked Sendable`: every mutable member is only touched on `queue`.
final class Shard: @unchecked Sendable {
    /// The serial queue of this shard's connections.
    let queue: DispatchQueue
    /// One read buffer for all connections of the queue: reads never overlap on a serial queue.
    let readBuffer: UnsafeMutableRawBufferPointer
    /// Live connections by connection id (never by fd: fds are reused at once).
    var connections: [UInt64: Connection] = [:]
    private var dateSecond = -1
    private var dateLine: [UInt8] = []

    init(index: Int) {
        queue = DispatchQueue(label: "http.shard.\(index)")
        readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    }

    deinit {
        readBuffer.deallocate()
    }

    /// `Date: …\r\n`, formatted at most once per second.
    func dateHeaderLine() -> [UInt8] {
        dispatchPrecondition(condition: .onQueue(queue))
        let now = HTTPDate.now()
        if now != dateSecond {
            dateSecond = now
            dateLine = Array("Date: \(HTTPDate.format(now))\r\n".utf8)
        }
        return dateLine
    }
}
