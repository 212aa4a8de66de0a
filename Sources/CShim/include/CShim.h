#ifndef CSHIM_H
#define CSHIM_H

#include <sys/types.h>
#include <sys/socket.h>

/// accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC; hidden from Swift's Glibc import without _GNU_SOURCE.
int cshim_accept4_nonblocking(int fd, struct sockaddr *addr, socklen_t *len);

/// Ignores SIGPIPE process-wide: peers that close early must not kill the server.
void cshim_ignore_sigpipe(void);

/// Runs a program and waits for it: stdin from /dev/null, stdout and stderr appended to `output_path`,
/// working directory `cwd`, and every other descriptor closed in the child, so that a daemon it leaves
/// behind (pg_ctl's postmaster) holds none of ours. Returns the exit status, 128 + signal, or -errno.
int cshim_spawn_wait(const char *path, char *const argv[], const char *output_path, const char *cwd);

/// glibc allocator settings for long-running processes (see Parley's MemoryTuning): a fixed mmap threshold of
/// `mmap_threshold` bytes and at most `arena_max` arenas. Returns 0 when glibc refused one of them.
int cshim_tune_malloc(int mmap_threshold, int arena_max);

/// Returns the allocator's free memory to the system (glibc `malloc_trim(0)`: the free pages inside every arena,
/// not only at their tops). Returns 1 when some memory was released.
int cshim_release_free_memory(void);

#endif
