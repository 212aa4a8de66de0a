#ifndef CSHIM_H
#define CSHIM_H

#include <sys/types.h>
#include <sys/socket.h>

/// accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC; hidden from Swift's Glibc import without _GNU_SOURCE.
int cshim_accept4_nonblocking(int fd, struct sockaddr *addr, socklen_t *len);

/// Ignores SIGPIPE process-wide: peers that close early must not kill the server.
void cshim_ignore_sigpipe(void);

#endif
