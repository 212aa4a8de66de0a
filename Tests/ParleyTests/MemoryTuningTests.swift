import Foundation
import Logging
import Testing

@testable import Parley

/// Free memory handed back to the system (`MemoryTuning`): after a long job, and every few seconds while a server
/// runs. The case it exists for: many small blocks freed while a few allocated among them stay alive, so that glibc
/// cannot shrink the arena from its top on its own (the soak test saw a server keep 10–25 MB after each clustering
/// run, and its memory creep by a quarter of a MB a minute under steady traffic).
@Suite(.serialized) struct MemoryTuningTests {
    /// ~60 MB of small blocks (each below the mmap threshold) made resident and freed, but for one in 64 (one every
    /// 32 KB), so that the free pages between them can't go back from the arena's top. Returns the kept blocks.
    static func fragmentHeap() -> [UnsafeMutableRawPointer] {
        let blockSize = 512, count = 120_000
        var blocks: [UnsafeMutableRawPointer] = []
        blocks.reserveCapacity(count)
        for _ in 0..<count {
            let block = UnsafeMutableRawPointer.allocate(byteCount: blockSize, alignment: 16)
            block.initializeMemory(as: UInt8.self, repeating: 1, count: blockSize)  // resident
            blocks.append(block)
        }
        var kept: [UnsafeMutableRawPointer] = []
        for (index, block) in blocks.enumerated() {
            if index % 64 == 63 { kept.append(block) } else { block.deallocate() }
        }
        return kept
    }

    @Test func freedSmallBlocksBehindALiveOneAreReturned() {
        let kept = Self.fragmentHeap()
        defer { for block in kept { block.deallocate() } }
        let held = MemoryTuning.residentMegabytes()
        let free = Double(MemoryTuning.freeHeapBytes()) / 1_048_576
        let started = ContinuousClock.now
        let released = MemoryTuning.releaseFreeMemory()
        let took = ContinuousClock.now - started
        print("MemoryTuning: \(String(format: "%.1f", held)) MB resident after the frees, "
              + "\(String(format: "%.1f", free)) MB free in the arenas, "
              + "\(String(format: "%.1f", released)) MB returned in \(took)")
        #expect(held > 0)
        #expect(free > 50, "the ~60 MB freed should be counted free in the arenas, got \(free) MB")
        #expect(released > 30, "expected most of the ~60 MB of freed blocks back, got \(released) MB")
        #expect(took < .seconds(1))
    }

    @Test func periodicReleaseReturnsFreedBlocksWithoutAJob() async throws {
        let kept = Self.fragmentHeap()
        defer { for block in kept { block.deallocate() } }
        let held = MemoryTuning.residentMegabytes()
        let task = MemoryTuning.startPeriodicRelease(every: .milliseconds(100), logger: Logger(label: "test"))
        defer { task.cancel() }
        let deadline = ContinuousClock.now + .seconds(10)
        while held - MemoryTuning.residentMegabytes() < 30, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let released = held - MemoryTuning.residentMegabytes()
        #expect(released > 30, "expected most of the ~60 MB of freed blocks back within 10 s, got \(released) MB")
    }
}
