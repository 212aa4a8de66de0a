import CShim
import Foundation

/// glibc's allocator settings for the long-running processes (`parley serve`, `parley worker`).
///
/// With its defaults, the resident memory of a server under steady mixed traffic grew by about 7 MB a minute
/// (90 → 240 MB in 20 minutes of the soak test), while with these it grew with the data it holds (the similarity
/// index, ~2 MB a minute at that ingest rate; 85 → 92 MB in the same four minutes): the default mmap threshold
/// rises after each large block is freed (up to 32 MB), so that the similarity index's arrays, rebuilt every few
/// seconds as vectors arrive, and large response bodies come from the heap and fragment it; and every thread that
/// meets a locked arena gets an arena of its own (up to 8 per core). A fixed threshold returns large blocks to
/// the system when they are freed; two arenas are enough for two cores' worth of threads.
///
/// Settings given in `GLIBC_TUNABLES` (`glibc.malloc.*`) win: nothing is changed then.
enum MemoryTuning {
    static func apply(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if environment["GLIBC_TUNABLES"]?.contains("glibc.malloc.") == true { return }
        _ = cshim_tune_malloc(128 * 1024, 2)
    }

    /// Hands the allocator's free pages back to the system; called after a long job (`JobWorker`).
    ///
    /// glibc gives memory back on its own only from the top of each arena, so the many small blocks a long job
    /// frees (a clustering run's per-cluster lists, names and rows) stay resident behind whatever small block was
    /// allocated after them. Measured on a server holding 30,000 conversations: four clustering runs left the
    /// main arena at 13.6 MB resident with 0.3 MB in use and a second arena at 13.7 MB with 0.5 MB in use;
    /// `malloc_trim` took the process from 124.5 to 96.7 MB. It takes milliseconds (9 ms to return 51 MB of freed
    /// small blocks in `MemoryTuningTests`), against the second or more a long job runs.
    /// Returns the resident megabytes released (negative: grown meanwhile by other threads' work).
    @discardableResult
    static func releaseFreeMemory() -> Double {
        let before = residentMegabytes()
        _ = cshim_release_free_memory()
        return before - residentMegabytes()
    }

    /// The process's resident set (`/proc/self/statm`), in MB; 0 where that file is missing.
    static func residentMegabytes() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / (1024 * 1024)
    }
}
