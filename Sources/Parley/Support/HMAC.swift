/// HMAC-SHA256 (RFC 2104), for password hashing (PBKDF2) and tokens derived from a secret.
public struct HMACSHA256: Sendable {
    private var inner: SHA256
    private var outer: SHA256

    /// Starts a MAC under `key` (keys longer than the 64-byte block are hashed first, RFC 2104 §2).
    public init(key: some Sequence<UInt8>) {
        var block = Array(key)
        if block.count > 64 {
            var hasher = SHA256()
            hasher.update(block)
            block = hasher.finalize()
        }
        block += [UInt8](repeating: 0, count: 64 - block.count)
        inner = SHA256()
        inner.update(block.map { $0 ^ 0x36 })
        outer = SHA256()
        outer.update(block.map { $0 ^ 0x5c })
    }

    /// Feeds message bytes.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        inner.update(bytes)
    }

    /// The 32-byte tag.
    public mutating func finalize() -> [UInt8] {
        var outer = self.outer
        outer.update(inner.finalize())
        return outer.finalize()
    }

    /// The tag of `message` under `key`.
    public static func authenticationCode(for message: some Sequence<UInt8>, key: some Sequence<UInt8>) -> [UInt8] {
        var mac = HMACSHA256(key: key)
        mac.update(message)
        return mac.finalize()
    }
}

/// Comparison whose time does not depend on where two byte strings differ (only on their lengths).
public func constantTimeEquals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for (x, y) in zip(a, b) { difference |= x ^ y }
    return difference == 0
}
