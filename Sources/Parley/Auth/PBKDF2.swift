/// PBKDF2 with HMAC-SHA256 as the pseudo-random function (RFC 8018 §5.2).
///
/// The iterations after the first run on a dedicated SHA-256 block function that reuses the precomputed
/// inner and outer pad states and allocates nothing: two block compressions per iteration, as in OpenSSL.
public enum PBKDF2 {
    /// Derives `length` bytes from `password` and `salt` with `iterations` rounds.
    /// - Precondition: `iterations >= 1` and `length >= 1` (callers validate stored parameters first).
    public static func sha256(password: [UInt8], salt: [UInt8], iterations: Int, length: Int = 32) -> [UInt8] {
        precondition(iterations >= 1 && length >= 1, "PBKDF2 needs at least one iteration and one byte")
        // RFC 2104 §2: a key longer than the block is hashed first; then it is padded to 64 bytes.
        var key = password
        if key.count > 64 {
            var hasher = SHA256()
            hasher.update(key)
            key = hasher.finalize()
        }
        key += [UInt8](repeating: 0, count: 64 - key.count)

        // One allocation for everything: schedule (64), constants (64), inner, outer, state, u, t (8 each).
        let memory = UnsafeMutablePointer<UInt32>.allocate(capacity: 64 + 64 + 5 * 8)
        defer { memory.deallocate() }
        let schedule = memory
        let constants = memory + 64
        let innerPad = memory + 128
        let outerPad = innerPad + 8
        let state = outerPad + 8
        let u = state + 8
        let t = u + 8
        for (index, value) in SHA256.k.enumerated() { constants[index] = value }
        padState(innerPad, key: key, pad: 0x36, schedule: schedule, constants: constants)
        padState(outerPad, key: key, pad: 0x5c, schedule: schedule, constants: constants)

        var output: [UInt8] = []
        output.reserveCapacity(length + 32)
        var blockIndex: UInt32 = 1
        while output.count < length {
            // U1 = PRF(P, S || INT(i)).
            let first = HMACSHA256.authenticationCode(
                for: salt + [UInt8(blockIndex >> 24), UInt8(blockIndex >> 16 & 0xff),
                             UInt8(blockIndex >> 8 & 0xff), UInt8(blockIndex & 0xff)],
                key: password)
            for i in 0..<8 {
                let word = UInt32(first[4 * i]) << 24 | UInt32(first[4 * i + 1]) << 16
                    | UInt32(first[4 * i + 2]) << 8 | UInt32(first[4 * i + 3])
                u[i] = word
                t[i] = word
            }
            // Each later U is HMAC of a 32-byte message: one block after the 64-byte pad, message length
            // 96 bytes = 768 bits (FIPS 180-4 §5.1.1 padding).
            var remaining = iterations - 1
            while remaining > 0 {
                for i in 0..<8 { schedule[i] = u[i] }
                setPadding(schedule)
                for i in 0..<8 { state[i] = innerPad[i] }
                compress(state, schedule: schedule, constants: constants)
                for i in 0..<8 { schedule[i] = state[i] }
                setPadding(schedule)
                for i in 0..<8 { state[i] = outerPad[i] }
                compress(state, schedule: schedule, constants: constants)
                for i in 0..<8 {
                    u[i] = state[i]
                    t[i] ^= state[i]
                }
                remaining -= 1
            }
            for i in 0..<8 {
                output += [UInt8(t[i] >> 24), UInt8(t[i] >> 16 & 0xff), UInt8(t[i] >> 8 & 0xff), UInt8(t[i] & 0xff)]
            }
            blockIndex += 1
        }
        return Array(output.prefix(length))
    }

    /// The SHA-256 state after compressing `key ^ pad` (the first block of every HMAC under this key).
    private static func padState(
        _ target: UnsafeMutablePointer<UInt32>, key: [UInt8], pad: UInt8,
        schedule: UnsafeMutablePointer<UInt32>, constants: UnsafeMutablePointer<UInt32>
    ) {
        let initial: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
                                 0x5be0cd19]
        for i in 0..<8 { target[i] = initial[i] }
        for i in 0..<16 {
            schedule[i] = UInt32(key[4 * i] ^ pad) << 24 | UInt32(key[4 * i + 1] ^ pad) << 16
                | UInt32(key[4 * i + 2] ^ pad) << 8 | UInt32(key[4 * i + 3] ^ pad)
        }
        compress(target, schedule: schedule, constants: constants)
    }

    @inline(__always)
    private static func setPadding(_ schedule: UnsafeMutablePointer<UInt32>) {
        schedule[8] = 0x8000_0000
        for i in 9..<15 { schedule[i] = 0 }
        schedule[15] = 768
    }

    /// One SHA-256 block (FIPS 180-4 §6.2.2) over `schedule[0..<16]`, updating `state` in place.
    @inline(__always)
    private static func compress(
        _ state: UnsafeMutablePointer<UInt32>, schedule w: UnsafeMutablePointer<UInt32>,
        constants k: UnsafeMutablePointer<UInt32>
    ) {
        var i = 16
        while i < 64 {
            let a = w[i - 15], b = w[i - 2]
            let s0 = (a >> 7 | a << 25) ^ (a >> 18 | a << 14) ^ (a >> 3)
            let s1 = (b >> 17 | b << 15) ^ (b >> 19 | b << 13) ^ (b >> 10)
            w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            i += 1
        }
        var a = state[0], b = state[1], c = state[2], d = state[3]
        var e = state[4], f = state[5], g = state[6], h = state[7]
        i = 0
        while i < 64 {
            let s1 = (e >> 6 | e << 26) ^ (e >> 11 | e << 21) ^ (e >> 25 | e << 7)
            let ch = (e & f) ^ (~e & g)
            let t1 = h &+ s1 &+ ch &+ k[i] &+ w[i]
            let s0 = (a >> 2 | a << 30) ^ (a >> 13 | a << 19) ^ (a >> 22 | a << 10)
            let maj = (a & b) ^ (a & c) ^ (b & c)
            h = g
            g = f
            f = e
            e = d &+ t1
            d = c
            c = b
            b = a
            a = t1 &+ s0 &+ maj
            i += 1
        }
        state[0] &+= a
        state[1] &+= b
        state[2] &+= c
        state[3] &+= d
        state[4] &+= e
        state[5] &+= f
        state[6] &+= g
        state[7] &+= h
    }
}
