#include "epoll_shim.h"

#ifdef __linux__
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

const uint32_t lr_epoll_in = EPOLLIN;
const uint32_t lr_epoll_out = EPOLLOUT;
const uint32_t lr_epoll_err = EPOLLERR;
const uint32_t lr_epoll_hup = EPOLLHUP;

int lr_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

static int control(int epoll, int operation, int fd, uint32_t events, uint64_t token) {
    struct epoll_event event = {0};
    event.events = events;
    event.data.u64 = token;
    return epoll_ctl(epoll, operation, fd, &event);
}

int lr_epoll_add(int epoll, int fd, uint32_t events, uint64_t token) {
    return control(epoll, EPOLL_CTL_ADD, fd, events, token);
}

int lr_epoll_modify(int epoll, int fd, uint32_t events, uint64_t token) {
    return control(epoll, EPOLL_CTL_MOD, fd, events, token);
}

int lr_epoll_remove(int epoll, int fd) {
    struct epoll_event event = {0};
    return epoll_ctl(epoll, EPOLL_CTL_DEL, fd, &event);
}

struct epoll_event *lr_epoll_events_allocate(int count) { return calloc((size_t)count, sizeof(struct epoll_event)); }

void lr_epoll_events_free(struct epoll_event *events) { free(events); }

int lr_epoll_wait(int epoll, struct epoll_event *events, int count, int timeout_ms) {
    return epoll_wait(epoll, events, count, timeout_ms);
}

uint64_t lr_epoll_event_token(const struct epoll_event *events, int index) { return events[index].data.u64; }

uint32_t lr_epoll_event_flags(const struct epoll_event *events, int index) { return events[index].events; }

int lr_eventfd_create(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

void lr_eventfd_signal(int fd) {
    uint64_t one = 1;
    while (write(fd, &one, sizeof one) < 0 && errno == EINTR) {}
}

void lr_eventfd_drain(int fd) {
    uint64_t count;
    while (read(fd, &count, sizeof count) < 0 && errno == EINTR) {}
}

int lr_tcp_socket(int family) { return socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0); }

void lr_tcp_tune(int fd) {
    int on = 1, idle = 30, interval = 10;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
}

int lr_socket_error(int fd) {
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) < 0) return errno;
    return error;
}
#endif
