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
}
