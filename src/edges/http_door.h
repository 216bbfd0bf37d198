/*
 * http_door.h — the front door of the HTTP edge: it accepts connections, counts them per
 * client address, reads each new connection's first request head itself and enforces the
 * request deadline, then hands the connection to libmicrohttpd (MHD_add_connection).
 *
 * Why: libmicrohttpd 0.9.75 (Debian 12) resets its connection timeout on every byte, so a
 * client that trickles one header line every few seconds holds a connection for ever; its
 * per-address limit closes connections without an answer; and it refuses over-long heads
 * with text/html. The door answers all of these with RFC 9457 problem+json.
 *
 * Life of a connection (state, in the door's table under its mutex):
 *   HEAD     accepted; the door peeks at the input until the request head is complete
 *            (http_head_check), answering 400/413/414/431/505 itself, or 408 when the
 *            request deadline passes first;
 *   REFUSE   accepted over a limit (all connections, or this address's): answered 503 or
 *            429 as soon as its head arrives, or after a one-second grace;
 *   DRAIN    answered by the door: its output is shut, its input read and dropped for up
 *            to two seconds so the answer is not lost to a reset, then closed;
 *   HANDING  given to libmicrohttpd, which has not announced it yet (reaped after 5 s);
 *   WAIT     libmicrohttpd holds it and the current request is not fully received: the
 *            deadline runs from the connection's start or the end of its previous request,
 *            and no byte resets it; when it passes, the door writes a 408 problem (if a
 *            request had begun) and shuts the socket, which ends it in libmicrohttpd;
 *   BUSY     the request was fully received: it is being answered (no deadline);
 *   EXPIRED  cut by the deadline; libmicrohttpd closes it.
 * A connection counts against the limits from accept to close, except while refused.
 *
 * Threads: one door thread (epoll) plus libmicrohttpd's workers, which call the
 * door_conn_* hooks from their callbacks. Ownership: the door owns every connection
 * record; libmicrohttpd's socket context points at it until the CLOSED notification.
 */
#ifndef TRUCE_EDGES_HTTP_DOOR_H
#define TRUCE_EDGES_HTTP_DOOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/err.h"

struct MHD_Daemon;
struct MHD_Connection;
typedef struct http_door http_door;

typedef struct door_limits {
    unsigned deadline_s;   /* seconds for a request's head and body together */
    unsigned max_conns;    /* connections open at once (503 beyond) */
    unsigned max_per_addr; /* connections open at once from one address (IPv6: one /64) (429 beyond) */
} door_limits;

/* Called (from the door's thread or a worker) for each answer the door writes itself:
 * status and what it answered about, for the access log and the metrics. */
typedef void (*door_answered_fn)(void *ctx, int status, const char *what);

/* Binds and listens on sa (port 0: any free port). TR_EIO naming "--listen" on failure. */
int door_open(const struct sockaddr *sa, socklen_t sl, const door_limits *lim, door_answered_fn answered,
              void *ctx, http_door **out, tr_err *err);
uint16_t door_port(const http_door *d);
const door_limits *door_limits_of(const http_door *d);

/* Starts the door's thread, handing complete first requests to mhd. TR_OK or TR_EIO. */
int door_start(http_door *d, struct MHD_Daemon *mhd, tr_err *err);
/* Stops accepting (the listening socket closes); connections already accepted go on. */
void door_quiesce(http_door *d);
/* How many accepted connections are still sending their first request's head. */
unsigned door_reading(http_door *d);
/* Stops the thread (call before MHD_stop_daemon): connections still sending their head are
 * answered 503 and closed. Then door_free (after MHD_stop_daemon). */
void door_stop(http_door *d);
void door_free(http_door *d);

/* ---- hooks, from libmicrohttpd's callbacks ---- */

/* MHD_CONNECTION_NOTIFY_STARTED / CLOSED: *socket_context gets / gives back the record. */
void door_conn_started(http_door *d, struct MHD_Connection *conn, void **socket_context);
void door_conn_closed(http_door *d, void *socket_context);
/* The request line of a later request on the connection arrived (URI log callback). */
void door_conn_request_began(http_door *d, void *socket_context);
/* The request was fully received (or answered early): its deadline stops. False when the
 * deadline cut it already: then the request must not be served. */
bool door_conn_request_received(http_door *d, void *socket_context);
/* The request ended (answered or aborted): the deadline of the next one starts now. */
void door_conn_request_done(http_door *d, void *socket_context);

#endif
