import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A read-only private memory mapping of a whole file, unmapped when released.
///
/// Immutable after `init`, so it can be shared across threads.
final class MappedFile: Sendable {
    /// The mapped bytes.
    nonisolated(unsafe) let bytes: UnsafeRawBufferPointer
    var count: Int { bytes.count }

    init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw EmbeddingsError.unreadableFile(path, reason: String(cString: strerror(code)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            throw EmbeddingsError.unreadableFile(path, reason: String(cString: strerror(code)))
        }
        let size = Int(info.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let address, address != MAP_FAILED else {
            let code = errno
            throw EmbeddingsError.unreadableFile(path, reason: "mmap failed: " + String(cString: strerror(code)))
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let base = bytes.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        }
    }
}
