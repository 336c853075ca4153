#ifndef LABRUN_EPOLL_SHIM_H
#define LABRUN_EPOLL_SHIM_H

/// Linux's epoll and eventfd, and the socket calls around them, for the plain HTTP engine
/// (`Sources/HTTPClient/Plain/`). Swift's Glibc module exports neither `<sys/epoll.h>` nor
/// `<sys/eventfd.h>`, and `struct epoll_event` is packed on x86-64: Swift reads it through the
/// accessors here rather than by field. Empty on other systems (the engine is Linux-only; elsewhere
/// the load generator sends through libcurl).
#ifdef __linux__
#include <stdint.h>
#include <sys/epoll.h>

/// The readiness bits, as plain integers.
extern const uint32_t lr_epoll_in;
extern const uint32_t lr_epoll_out;
extern const uint32_t lr_epoll_err;
extern const uint32_t lr_epoll_hup;

/// `epoll_create1(EPOLL_CLOEXEC)`.
int lr_epoll_create(void);
/// Registers `fd` for `events`; `token` comes back with each of its events. 0 or -1 (errno set).
int lr_epoll_add(int epoll, int fd, uint32_t events, uint64_t token);
/// Changes what `fd` is watched for.
int lr_epoll_modify(int epoll, int fd, uint32_t events, uint64_t token);
/// Stops watching `fd` (before it is closed).
int lr_epoll_remove(int epoll, int fd);

/// An array of `count` events for `lr_epoll_wait` (free it with `lr_epoll_events_free`).
struct epoll_event *lr_epoll_events_allocate(int count);
void lr_epoll_events_free(struct epoll_event *events);
/// `epoll_wait`: how many events are ready (0 on timeout, -1 with errno, EINTR included).
int lr_epoll_wait(int epoll, struct epoll_event *events, int count, int timeout_ms);
/// The token and readiness bits of `events[index]`.
uint64_t lr_epoll_event_token(const struct epoll_event *events, int index);
uint32_t lr_epoll_event_flags(const struct epoll_event *events, int index);

/// A non-blocking, close-on-exec eventfd (the loop's wake-up), or -1.
int lr_eventfd_create(void);
/// Adds one to the counter (wakes the loop); clears it. Both ignore EAGAIN.
void lr_eventfd_signal(int fd);
void lr_eventfd_drain(int fd);

/// A non-blocking, close-on-exec TCP socket of `family` (AF_INET or AF_INET6), or -1.
int lr_tcp_socket(int family);
/// TCP_NODELAY on; keep-alive probes after 30 s idle, then every 10 s (libcurl's settings in `CurlTransfer`).
void lr_tcp_tune(int fd);
/// The pending error of a socket whose non-blocking connect ended (0 when it connected).
int lr_socket_error(int fd);
#endif

#endif
