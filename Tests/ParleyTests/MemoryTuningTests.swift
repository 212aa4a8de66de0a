import Foundation
import Testing

@testable import Parley

/// After a long job the worker hands free memory back (`MemoryTuning.releaseFreeMemory`). The case it exists
/// for: many small blocks freed while a few allocated among them stay alive, so that glibc cannot shrink the
/// arena from its top on its own (the soak test saw a server keep 10–25 MB after each clustering run).
struct MemoryTuningTests {
    @Test func freedSmallBlocksBehindALiveOneAreReturned() {
        let blockSize = 512, count = 120_000  // ~60 MB of small blocks, each below the mmap threshold
        var blocks: [UnsafeMutableRawPointer] = []
        blocks.reserveCapacity(count)
        for _ in 0..<count {
            let block = UnsafeMutableRawPointer.allocate(byteCount: blockSize, alignment: 16)
            block.initializeMemory(as: UInt8.self, repeating: 1, count: blockSize)  // resident
            blocks.append(block)
        }
        // One block in 64 stays alive (one every 32 KB): the free pages between them can't go back from the top.
        var kept: [UnsafeMutableRawPointer] = []
        for (index, block) in blocks.enumerated() {
            if index % 64 == 63 { kept.append(block) } else { block.deallocate() }
        }
        blocks = []
        defer { for block in kept { block.deallocate() } }
        let held = MemoryTuning.residentMegabytes()
        let started = ContinuousClock.now
        let released = MemoryTuning.releaseFreeMemory()
        let took = ContinuousClock.now - started
        print("MemoryTuning: \(String(format: "%.1f", held)) MB resident after the frees, "
              + "\(String(format: "%.1f", released)) MB returned in \(took)")
        #expect(held > 0)
        #expect(released > 30, "expected most of the ~60 MB of freed blocks back, got \(released) MB")
        #expect(took < .seconds(1))
    }
}
