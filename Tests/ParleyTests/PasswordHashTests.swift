import Foundation
@testable import Parley
import Testing

/// HMAC, PBKDF2 and the stored password format, checked against RFC 4231 / RFC 7914 vectors and Python's
/// `hashlib.pbkdf2_hmac`. (The production count, 600,000, takes seconds in a debug build, so the vectors use
/// small counts: the iteration loop is the same code whatever the count.)
@Suite struct PasswordHashTests {
    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    @Test func hmacVectors() {
        // RFC 4231 test case 2, and a key longer than the block (test case 6).
        #expect(HMACSHA256.authenticationCode(for: Array("what do ya want for nothing?".utf8), key: Array("Jefe".utf8))
            .hexString == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(HMACSHA256.authenticationCode(
            for: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
            key: [UInt8](repeating: 0xaa, count: 131)).hexString
            == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func pbkdf2Vectors() {
        // RFC 7914 §11.
        #expect(PBKDF2.sha256(password: Array("passwd".utf8), salt: Array("salt".utf8), iterations: 1, length: 64)
            == Self.hex("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"))
        // hashlib.pbkdf2_hmac('sha256', b'password', b'salt', 4096, 32)
        #expect(PBKDF2.sha256(password: Array("password".utf8), salt: Array("salt".utf8), iterations: 4096)
            == Self.hex("c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"))
        // A password longer than the HMAC block and an output that is not a whole number of blocks.
        #expect(PBKDF2.sha256(password: [UInt8](repeating: UInt8(ascii: "x"), count: 100),
                              salt: Array("pepper and salt".utf8), iterations: 2, length: 40)
            == Self.hex("635c56637e3f891267280c065d1596771e20bea98c85cffb93652235e26a710cb589f25a3735d294"))
    }

    @Test func storedFormatRoundTripsAndRejectsTampering() async {
        let hasher = PasswordHasher(iterations: 2_000)
        let stored = await hasher.hash("s3cret pässword")
        #expect(stored.hasPrefix("$pbkdf2-sha256$i=2000$"))
        #expect(await hasher.verify("s3cret pässword", against: stored))
        #expect(!(await hasher.verify("s3cret password", against: stored)))
        #expect(!(await hasher.verify("", against: stored)))
        // Salted: the same password twice gives two different hashes.
        #expect(await hasher.hash("s3cret pässword") != stored)
        // Parameters travel with the hash: a stronger hasher still verifies it and asks for a re-hash.
        let stronger = PasswordHasher(iterations: 4_000)
        #expect(await stronger.verify("s3cret pässword", against: stored))
        #expect(stronger.needsRehash(stored))
        #expect(!hasher.needsRehash(stored))
        // Malformed or weakened hashes never verify.
        let weakened = stored.replacingOccurrences(of: "i=2000", with: "i=1")
        for bad in ["", "plain", "$pbkdf2-sha256$i=2000$$", weakened, "$bcrypt$i=2000$abc$def",
                    stored.replacingOccurrences(of: "pbkdf2-sha256", with: "pbkdf2-sha1")] {
            #expect(!(await hasher.verify("s3cret pässword", against: bad)), "\(bad)")
        }
    }

    @Test func constantTimeComparison() {
        #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(constantTimeEquals([UInt8](), []))
    }
}
