/*
 * http_door.c — the front door of the HTTP edge (http_door.h): the listening socket, the
 * door's thread, the connection table with its deadline queues, the per-address counts,
 * the answers the door writes itself, and the hand-over to libmicrohttpd.
 *
 * Queues: each list holds connections in the order their time runs out (a new entry
 * almost always goes last, so a push is O(1)); the thread wakes at least every 250 ms and
 * pops what is due, so deadlines hold to a quarter of a second.
 */
#define _GNU_SOURCE /* accept4 */
#include "edges/http_door.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base/timeutil.h"
#include "edges/http_head.h"

#define NS 1000000000ull
#define GRACE_NS NS         /* a refused connection's time to send its head */
#define DRAIN_NS (2 * NS)   /* an answered connection's time to finish sending */
#define HANDING_NS (5 * NS) /* libmicrohttpd's time to announce a connection it was given */
#define REFUSING_MAX 512    /* connections refused or draining at once; beyond, closed unanswered */
#define TICK_MS 250

enum { D_HEAD, D_REFUSE, D_DRAIN, D_HANDING, D_WAIT, D_BUSY, D_EXPIRED };
enum { L_REQ, L_GRACE, L_DRAIN, L_HANDING, NLISTS, L_NONE = NLISTS };

typedef struct dconn {
    int fd;
    uint8_t state, list;
    bool began;       /* WAIT: a request line arrived since the clock started */
    bool first;       /* no request ended on it yet */
    tr_code refuse;   /* REFUSE: TR_EBUSY (429) or TR_EUNAVAIL (503) */
    uint64_t due;     /* when its time in its list runs out (tr_clock_ns) */
    uint64_t req_due; /* its request deadline, kept while HANDING */
    struct sockaddr_storage addr;
    socklen_t alen;
    struct dconn *prev, *next; /* in its list */
} dconn;

typedef struct dqueue {
    dconn *head, *tail;
} dqueue;

typedef struct addr_slot {
    uint8_t key[16];
    uint32_t count; /* 0: empty */
} addr_slot;

struct http_door {
    int lfd, ep, ev;
    uint16_t port;
    door_limits lim;
    door_answered_fn answered;
    void *ctx;
    struct MHD_Daemon *mhd;
    pthread_t thread;
    bool started, stopping;
    pthread_mutex_t mu;
    unsigned open, refusing; /* counted connections; refused or draining ones */
    dqueue q[NLISTS];
    addr_slot *addrs; /* open addressing, acap a power of two */
    size_t acap;
    uint64_t paused_until; /* accepting paused (out of descriptors) until then; 0: not */
    char *buf;             /* the thread's peek buffer, HTTP_MAX_HEAD + 1 bytes */
};

/* ---- per-address counts ---- */

/* IPv4 (also IPv4-mapped) addresses count one by one, IPv6 ones by /64. */
static void addr_key(const struct sockaddr_storage *sa, uint8_t key[16]) {
    memset(key, 0, 16);
    if (sa->ss_family == AF_INET) {
        key[10] = key[11] = 0xff;
        memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
    } else if (sa->ss_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        memcpy(key, a->s6_addr, IN6_IS_ADDR_V4MAPPED(a) ? 16 : 8);
    }
}

static size_t addr_home(const http_door *d, const uint8_t key[16]) {
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < 16; i++)
        h = (h ^ key[i]) * 1099511628211ull;
    return (size_t)(h ^ (h >> 29)) & (d->acap - 1);
}

static size_t addr_find(const http_door *d, const uint8_t key[16]) {
    size_t i = addr_home(d, key);
    while (d->addrs[i].count && memcmp(d->addrs[i].key, key, 16) != 0)
        i = (i + 1) & (d->acap - 1);
    return i;
}

static uint32_t addr_count(const http_door *d, const uint8_t key[16]) {
    return d->addrs[addr_find(d, key)].count;
}

static void addr_add(http_door *d, const uint8_t key[16]) {
    addr_slot *s = &d->addrs[addr_find(d, key)];
    memcpy(s->key, key, 16);
    s->count++;
}

/* Decrements the count of key, deleting its slot at 0 (backward shift). */
static void addr_sub(http_door *d, const uint8_t key[16]) {
    size_t i = addr_find(d, key), mask = d->acap - 1;
    if (!d->addrs[i].count || --d->addrs[i].count) return;
    for (size_t j = (i + 1) & mask; d->addrs[j].count; j = (j + 1) & mask) {
        size_t k = addr_home(d, d->addrs[j].key);
        bool movable = i <= j ? (k <= i || k > j) : (k <= i && k > j);
        if (!movable) continue;
        d->addrs[i] = d->addrs[j];
        d->addrs[j].count = 0;
        i = j;
    }
}

/* ---- connections and queues ---- */

static void q_remove(http_door *d, dconn *c) {
    if (c->list == L_NONE) return;
    dqueue *q = &d->q[c->list];
    *(c->prev ? &c->prev->next : &q->head) = c->next;
    *(c->next ? &c->next->prev : &q->tail) = c->prev;
    c->prev = c->next = NULL;
    c->list = L_NONE;
}

/* Puts c in list at its place by due time (almost always last). */
static void q_push(http_door *d, dconn *c, int list, uint64_t due) {
    q_remove(d, c);
    dqueue *q = &d->q[list];
    dconn *after = q->tail;
    while (after && after->due > due)
        after = after->prev;
    c->due = due;
    c->list = (uint8_t)list;
    c->prev = after;
    c->next = after ? after->next : q->head;
    *(c->next ? &c->next->prev : &q->tail) = c;
    *(after ? &after->next : &q->head) = c;
}

static bool counted(const dconn *c) {
    return c->state != D_REFUSE && c->state != D_DRAIN;
}

static void uncount(http_door *d, dconn *c) {
    if (!counted(c)) {
        d->refusing--;
        return;
    }
    uint8_t key[16];
    addr_key(&c->addr, key);
    d->open--;
    addr_sub(d, key);
}

/* Forgets c; closes its socket when the door owns it (not when libmicrohttpd did). */
static void conn_free(http_door *d, dconn *c, bool close_fd) {
    q_remove(d, c);
    uncount(d, c);
    if (close_fd) close(c->fd);
    free(c);
}

static uint64_t deadline_ns(const http_door *d) {
    return (uint64_t)d->lim.deadline_s * NS;
}

/* ---- answers the door writes ---- */

static void discard_input(http_door *d, int fd) {
    for (int i = 0; i < 64 && recv(fd, d->buf, HTTP_MAX_HEAD + 1, MSG_DONTWAIT) > 0; i++) {
    }
}

/* Writes the problem for err on c, shuts its output and lets it drain. */
static void answer(http_door *d, dconn *c, const tr_err *err, const char *what) {
    size_t len = 0;
    char *resp = http_problem_response(err, NULL, &len);
    discard_input(d, c->fd);
    if (resp) (void)!send(c->fd, resp, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    free(resp);
    shutdown(c->fd, SHUT_WR);
    if (counted(c)) {
        uncount(d, c);
        d->refusing++;
    }
    c->state = D_DRAIN;
    q_push(d, c, L_DRAIN, tr_clock_ns() + DRAIN_NS);
    if (d->answered) d->answered(d->ctx, tr_code_http_status(err->code), what);
}

static void refuse(http_door *d, dconn *c) {
    tr_err e;
    char who[INET6_ADDRSTRLEN] = "?";
    const void *a = c->addr.ss_family == AF_INET
                        ? (const void *)&((struct sockaddr_in *)&c->addr)->sin_addr
                        : (const void *)&((struct sockaddr_in6 *)&c->addr)->sin6_addr;
    inet_ntop(c->addr.ss_family, a, who, sizeof who);
    if (c->refuse == TR_EBUSY)
        tr_fail(&e, TR_EBUSY, "",
                "%s already has %u connections open, the most one address may hold "
                "(--max-connections-per-address); close one and try again",
                who, d->lim.max_per_addr);
    else
        tr_fail(&e, TR_EUNAVAIL, "",
                "the server has %u connections open, the most it takes (--max-connections); "
                "try again",
                d->lim.max_conns);
    answer(d, c, &e, "over a connection limit");
}

static void timeout_error(const http_door *d, tr_err *e) {
    tr_fail(e, TR_ETIMEOUT, "",
            "the request (head and body) did not arrive within %u s (--request-deadline-s)",
            d->lim.deadline_s);
}

/* A connection libmicrohttpd holds whose request ran out of time: answered 408 when a
 * request had begun (no one else writes on it before its request is received), then shut,
 * which ends it in libmicrohttpd. */
static void cut(http_door *d, dconn *c) {
    q_remove(d, c);
    c->state = D_EXPIRED;
    if (c->first || c->began) {
        tr_err e;
        timeout_error(d, &e);
        size_t len = 0;
        char *resp = http_problem_response(&e, NULL, &len);
        if (resp) (void)!send(c->fd, resp, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        free(resp);
        if (d->answered) d->answered(d->ctx, 408, "request deadline");
    }
    shutdown(c->fd, SHUT_RDWR);
}

/* ---- the door's thread ---- */

static void pause_accept(http_door *d) {
    struct epoll_event ev = {.events = 0, .data.ptr = &d->lfd};
    epoll_ctl(d->ep, EPOLL_CTL_MOD, d->lfd, &ev);
    d->paused_until = tr_clock_ns() + NS / 10;
}

static void resume_accept(http_door *d) {
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &d->lfd};
    if (d->lfd >= 0) epoll_ctl(d->ep, EPOLL_CTL_MOD, d->lfd, &ev);
    d->paused_until = 0;
}

/* A record still waiting for libmicrohttpd's announcement with the socket number fd is
 * stale: libmicrohttpd closed that socket without announcing it. */
static void reap_stale(http_door *d, int fd) {
    for (dconn *c = d->q[L_HANDING].head, *next; c; c = next) {
        next = c->next;
        if (c->fd == fd) conn_free(d, c, false);
    }
}

static void admit(http_door *d, int fd, const struct sockaddr_storage *sa, socklen_t sl) {
    reap_stale(d, fd);
    uint8_t key[16];
    addr_key(sa, key);
    tr_code over = d->open >= d->lim.max_conns                 ? TR_EUNAVAIL
                   : addr_count(d, key) >= d->lim.max_per_addr ? TR_EBUSY
                                                               : TR_OK;
    dconn *c = over && d->refusing >= REFUSING_MAX ? NULL : calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return;
    }
    *c = (dconn){.fd = fd, .first = true, .list = L_NONE, .addr = *sa, .alen = sl};
    uint64_t now = tr_clock_ns(), grace = deadline_ns(d) < GRACE_NS ? deadline_ns(d) : GRACE_NS;
    if (over) {
        c->state = D_REFUSE;
        c->refuse = over;
        d->refusing++;
        q_push(d, c, L_GRACE, now + grace);
    } else {
        c->state = D_HEAD;
        d->open++;
        addr_add(d, key);
        q_push(d, c, L_REQ, now + deadline_ns(d));
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.ptr = c};
    if (epoll_ctl(d->ep, EPOLL_CTL_ADD, fd, &ev) != 0) conn_free(d, c, true);
}

static void accept_some(http_door *d) {
    for (int i = 0; i < 256 && d->lfd >= 0; i++) {
        struct sockaddr_storage sa;
        socklen_t sl = sizeof sa;
        int fd = accept4(d->lfd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            admit(d, fd, &sa, sl);
        } else if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            pause_accept(d);
            return;
        } else if (errno != EINTR && errno != ECONNABORTED) {
            return;
        }
    }
}

/* The first request's head is complete: libmicrohttpd takes the connection over. */
static void hand_over(http_door *d, dconn *c) {
    epoll_ctl(d->ep, EPOLL_CTL_DEL, c->fd, NULL);
    c->state = D_HANDING;
    c->req_due = c->due;
    q_push(d, c, L_HANDING, tr_clock_ns() + HANDING_NS);
    if (MHD_add_connection(d->mhd, c->fd, (struct sockaddr *)&c->addr, c->alen) != MHD_YES)
        conn_free(d, c, false); /* libmicrohttpd closed the socket */
}

static void on_input(http_door *d, dconn *c, uint32_t events) {
    if (c->state == D_DRAIN) {
        char b[4096];
        ssize_t n;
        while ((n = recv(c->fd, b, sizeof b, MSG_DONTWAIT)) > 0) {
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) conn_free(d, c, true);
        return;
    }
    ssize_t n = recv(c->fd, d->buf, HTTP_MAX_HEAD + 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n <= 0) {
        conn_free(d, c, true);
        return;
    }
    tr_err err = {0};
    size_t head_len;
    http_head_verdict v = http_head_check(d->buf, (size_t)n, &head_len, &err);
    if (v == HEAD_MORE) {
        if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) conn_free(d, c, true); /* it will never come */
    } else if (v == HEAD_BAD) {
        answer(d, c, &err, "refused request head");
    } else if (c->state == D_REFUSE) {
        refuse(d, c);
    } else {
        hand_over(d, c);
    }
}

static void expire(http_door *d, uint64_t now) {
    dconn *c;
    while ((c = d->q[L_REQ].head) && c->due <= now) {
        if (c->state == D_HEAD) {
            tr_err e;
            timeout_error(d, &e);
            answer(d, c, &e, "request deadline");
        } else {
            cut(d, c);
        }
    }
    while ((c = d->q[L_GRACE].head) && c->due <= now)
        refuse(d, c);
    while ((c = d->q[L_DRAIN].head) && c->due <= now)
        conn_free(d, c, true);
    while ((c = d->q[L_HANDING].head) && c->due <= now)
        conn_free(d, c, false);
    if (d->paused_until && now >= d->paused_until) resume_accept(d);
}

static void *door_main(void *arg) {
    http_door *d = arg;
    struct epoll_event ev[64];
    for (;;) {
        int n = epoll_wait(d->ep, ev, 64, TICK_MS);
        pthread_mutex_lock(&d->mu);
        if (d->stopping) {
            pthread_mutex_unlock(&d->mu);
            return NULL;
        }
        for (int i = 0; i < n; i++) {
            void *p = ev[i].data.ptr;
            if (p == &d->lfd) {
                accept_some(d);
            } else if (p == &d->ev) {
                uint64_t x;
                (void)!read(d->ev, &x, sizeof x);
            } else {
                on_input(d, p, ev[i].events);
            }
        }
        expire(d, tr_clock_ns());
        pthread_mutex_unlock(&d->mu);
    }
}

/* ---- life cycle ---- */

static int listen_on(const struct sockaddr *sa, socklen_t sl, uint16_t *port) {
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), on = 1;
    if (fd < 0) return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (sa->sa_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    struct sockaddr_storage bound;
    socklen_t bl = sizeof bound;
    if (bind(fd, sa, sl) != 0 || listen(fd, 4096) != 0 ||
        getsockname(fd, (struct sockaddr *)&bound, &bl) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                              : ((struct sockaddr_in *)&bound)->sin_port);
    return fd;
}

int door_open(const struct sockaddr *sa, socklen_t sl, const door_limits *lim, door_answered_fn answered,
              void *ctx, http_door **out, tr_err *err) {
    http_door *d = calloc(1, sizeof *d);
    if (!d) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    *d = (http_door){.lfd = -1, .ep = -1, .ev = -1, .lim = *lim, .answered = answered, .ctx = ctx};
    d->acap = 64;
    while (d->acap < 2 * (size_t)lim->max_conns + 2 * REFUSING_MAX)
        d->acap *= 2;
    d->addrs = calloc(d->acap, sizeof *d->addrs);
    d->buf = malloc(HTTP_MAX_HEAD + 1);
    pthread_mutex_init(&d->mu, NULL);
    if (!d->addrs || !d->buf) {
        door_free(d);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    d->lfd = listen_on(sa, sl, &d->port);
    d->ep = epoll_create1(EPOLL_CLOEXEC);
    d->ev = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event le = {.events = EPOLLIN, .data.ptr = &d->lfd},
                       ee = {.events = EPOLLIN, .data.ptr = &d->ev};
    if (d->lfd < 0 || d->ep < 0 || d->ev < 0 || epoll_ctl(d->ep, EPOLL_CTL_ADD, d->lfd, &le) != 0 ||
        epoll_ctl(d->ep, EPOLL_CTL_ADD, d->ev, &ee) != 0) {
        door_free(d);
        return tr_fail(err, TR_EIO, "--listen",
                       "cannot listen there (in use, or not an address of this machine)");
    }
    *out = d;
    return TR_OK;
}

uint16_t door_port(const http_door *d) {
    return d->port;
}

const door_limits *door_limits_of(const http_door *d) {
    return &d->lim;
}

int door_start(http_door *d, struct MHD_Daemon *mhd, tr_err *err) {
    d->mhd = mhd;
    if (pthread_create(&d->thread, NULL, door_main, d) != 0)
        return tr_fail(err, TR_EIO, "", "cannot start the connection thread");
    d->started = true;
    return TR_OK;
}

void door_quiesce(http_door *d) {
    pthread_mutex_lock(&d->mu);
    if (d->lfd >= 0) {
        epoll_ctl(d->ep, EPOLL_CTL_DEL, d->lfd, NULL);
        close(d->lfd);
        d->lfd = -1;
    }
    pthread_mutex_unlock(&d->mu);
}

unsigned door_reading(http_door *d) {
    unsigned n = 0;
    pthread_mutex_lock(&d->mu);
    for (dconn *c = d->q[L_REQ].head; c; c = c->next)
        n += c->state == D_HEAD;
    pthread_mutex_unlock(&d->mu);
    return n;
}

void door_stop(http_door *d) {
    if (!d || !d->started) return;
    pthread_mutex_lock(&d->mu);
    d->stopping = true;
    pthread_mutex_unlock(&d->mu);
    uint64_t one = 1;
    (void)!write(d->ev, &one, sizeof one);
    pthread_join(d->thread, NULL);
    d->started = false;
    tr_err e;
    tr_fail(&e, TR_EUNAVAIL, "", "the server is stopping");
    size_t len = 0;
    char *resp = http_problem_response(&e, NULL, &len);
    pthread_mutex_lock(&d->mu); /* what the door owns closes now; libmicrohttpd closes the rest */
    for (int l = 0; l < NLISTS; l++)
        for (dconn *c = d->q[l].head, *next; c; c = next) {
            next = c->next;
            if (c->state != D_HEAD && c->state != D_REFUSE && c->state != D_DRAIN) continue;
            if (c->state != D_DRAIN && resp) (void)!send(c->fd, resp, len, MSG_NOSIGNAL | MSG_DONTWAIT);
            conn_free(d, c, true);
        }
    pthread_mutex_unlock(&d->mu);
    free(resp);
}

void door_free(http_door *d) {
    if (!d) return;
    for (int l = 0; l < NLISTS; l++)
        while (d->q[l].head)
            conn_free(d, d->q[l].head, false);
    if (d->lfd >= 0) close(d->lfd);
    if (d->ep >= 0) close(d->ep);
    if (d->ev >= 0) close(d->ev);
    pthread_mutex_destroy(&d->mu);
    free(d->addrs);
    free(d->buf);
    free(d);
}

/* ---- hooks from libmicrohttpd ---- */

void door_conn_started(http_door *d, struct MHD_Connection *conn, void **socket_context) {
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci) return;
    pthread_mutex_lock(&d->mu);
    for (dconn *c = d->q[L_HANDING].head; c; c = c->next)
        if (c->fd == ci->connect_fd) {
            c->state = D_WAIT;
            q_push(d, c, L_REQ, c->req_due);
            *socket_context = c;
            break;
        }
    pthread_mutex_unlock(&d->mu);
}

void door_conn_closed(http_door *d, void *socket_context) {
    if (!socket_context) return;
    pthread_mutex_lock(&d->mu);
    conn_free(d, socket_context, false);
    pthread_mutex_unlock(&d->mu);
}

void door_conn_request_began(http_door *d, void *socket_context) {
    dconn *c = socket_context;
    if (!c) return;
    pthread_mutex_lock(&d->mu);
    c->began = true;
    pthread_mutex_unlock(&d->mu);
}

bool door_conn_request_received(http_door *d, void *socket_context) {
    dconn *c = socket_context;
    if (!c) return true;
    pthread_mutex_lock(&d->mu);
    bool ok = c->state != D_EXPIRED;
    if (c->state == D_WAIT) {
        c->state = D_BUSY;
        q_remove(d, c);
    }
    pthread_mutex_unlock(&d->mu);
    return ok;
}

void door_conn_request_done(http_door *d, void *socket_context) {
    dconn *c = socket_context;
    if (!c) return;
    pthread_mutex_lock(&d->mu);
    if (c->state == D_WAIT || c->state == D_BUSY) {
        c->state = D_WAIT;
        c->began = false;
        c->first = false;
        q_push(d, c, L_REQ, tr_clock_ns() + deadline_ns(d));
    }
    pthread_mutex_unlock(&d->mu);
}
