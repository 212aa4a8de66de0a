import Dispatch
import Foundation
import Synchronization

/// Slow, salted password hashes: PBKDF2-HMAC-SHA256 in the PHC string format.
///
/// `$pbkdf2-sha256$i=600000$<salt>$<hash>` (salt and hash in unpadded standard base64) carries its own
/// parameters, so the iteration count can be raised later: `needsRehash` tells when a stored hash is weaker
/// than the current setting, and sign-in re-hashes it. 600,000 iterations is OWASP's 2023 figure for
/// PBKDF2-HMAC-SHA256. Hashing takes a few tenths of a second, so it runs on its own serial queues, never
/// on Swift's cooperative threads, and at most one hash per queue at a time (a flood of sign-ins queues
/// up instead of taking every core).
public struct PasswordHasher: Sendable {
    /// OWASP Password Storage Cheat Sheet (2023) for PBKDF2-HMAC-SHA256.
    public static let defaultIterations = 600_000
    /// Fewer iterations are refused when verifying, so a tampered row cannot make a hash cheap to attack.
    public static let minimumIterations = 1_000

    /// The iteration count of new hashes.
    public let iterations: Int

    /// A hasher producing hashes with `iterations` rounds (at least `minimumIterations`).
    public init(iterations: Int = PasswordHasher.defaultIterations) {
        self.iterations = max(iterations, Self.minimumIterations)
    }

    /// A new hash of `password` with a random 16-byte salt.
    public func hash(_ password: String) async -> String {
        let iterations = self.iterations
        return await Self.offThread { Self.hashBlocking(password, iterations: iterations) }
    }

    /// Whether `password` matches `encoded`; false for a malformed or unknown hash format.
    public func verify(_ password: String, against encoded: String) async -> Bool {
        await Self.offThread { Self.verifyBlocking(password, against: encoded) }
    }

    /// Whether `encoded` uses fewer iterations than this hasher (then it should be replaced at the next sign-in).
    public func needsRehash(_ encoded: String) -> Bool {
        guard let parsed = Self.parse(encoded) else { return true }
        return parsed.iterations < iterations
    }

    /// Hashes on the calling thread (tools and tests that are not async).
    public static func hashBlocking(_ password: String, iterations: Int) -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = generator.next() }
        let derived = PBKDF2.sha256(password: Array(password.utf8), salt: salt, iterations: iterations)
        return "$pbkdf2-sha256$i=\(iterations)$\(base64(salt))$\(base64(derived))"
    }

    /// Verifies on the calling thread; the final comparison takes the same time wherever the bytes differ.
    public static func verifyBlocking(_ password: String, against encoded: String) -> Bool {
        guard let parsed = parse(encoded) else { return false }
        let derived = PBKDF2.sha256(password: Array(password.utf8), salt: parsed.salt, iterations: parsed.iterations,
                                    length: parsed.hash.count)
        return constantTimeEquals(derived, parsed.hash)
    }

    /// The parts of a PHC string, or nil when it is not a PBKDF2-SHA256 hash this code accepts.
    static func parse(_ encoded: String) -> (iterations: Int, salt: [UInt8], hash: [UInt8])? {
        let fields = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard fields.count == 5, fields[0].isEmpty, fields[1] == "pbkdf2-sha256", fields[2].hasPrefix("i="),
              let iterations = Int(fields[2].dropFirst(2)), (minimumIterations...100_000_000).contains(iterations),
              let salt = unbase64(fields[3]), salt.count >= 8,
              let hash = unbase64(fields[4]), (16...64).contains(hash.count)
        else { return nil }
        return (iterations, salt, hash)
    }

    private static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    private static func unbase64(_ text: Substring) -> [UInt8]? {
        let padded = String(text) + String(repeating: "=", count: (4 - text.count % 4) % 4)
        return Data(base64Encoded: padded).map { [UInt8]($0) }
    }

    /// Serial queues, one per core but one, so hashing never takes every core at once.
    private static let queues: [DispatchQueue] = (0..<max(1, ProcessInfo.processInfo.activeProcessorCount - 1)).map {
        DispatchQueue(label: "parley.passwords.\($0)", qos: .userInitiated)
    }
    private static let nextQueue = Atomic<UInt>(0)

    private static func offThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        let index = Int(nextQueue.wrappingAdd(1, ordering: .relaxed).oldValue % UInt(queues.count))
        return await withCheckedContinuation { continuation in
            queues[index].async { continuation.resume(returning: body()) }
        }
    }
}
