#include "CShim.h"
#include <signal.h>

int cshim_accept4_nonblocking(int fd, struct sockaddr *addr, socklen_t *len) {
    return accept4(fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

void cshim_ignore_sigpipe(void) {
    signal(SIGPIPE, SIG_IGN);
}
