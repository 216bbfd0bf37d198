/*
 * witness_client.c — the centre's HTTP client of its witnesses (witness_client.h).
 */
#include "edges/witness_client.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/timeutil.h"
#include "edges/http_client.h"
#include "engines/tlog.h"

#define CLIENT_WITNESSES_MAX 16
#define BACKOFF_MIN_MS 500u
#define BACKOFF_MAX_MS 60000u

/* What one attempt at a witness came to. */
enum outcome { COSIGNED, NOTHING, UNREACHABLE, REFUSED, DIVERGED };

typedef struct wstate {
    http_client http;
    char url[1024];
    char last[512];    /* the last problem, printed once until it changes */
    unsigned failures; /* in a row, for the backoff */
    uint64_t due_ms;   /* not asked again before this (monotonic) */
} wstate;

struct witness_client {
    centre *c;
    wstate w[CLIENT_WITNESSES_MAX];
    size_t n;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool stop, kick, started;
};

static uint64_t now_ms(void) {
    return tr_clock_ns() / 1000000u;
}

/* ---- one witness ---- */

/* The witness's own latest cosigned checkpoint of this log, weighed as evidence. */
static int weigh_evidence(witness_client *wc, size_t k, tr_err *err) {
    char path[80];
    uint8_t h[32];
    char hex[65];
    crypto_hash_sha256(h, (const uint8_t *)wc->c->origin, strlen(wc->c->origin));
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    snprintf(path, sizeof path, "/%s/checkpoint", hex);
    http_body b;
    tr_err e = {0};
    if (http_client_get(&wc->w[k].http, path, &b, &e)) return TR_OK; /* nothing to weigh */
    int rc = centre_witness_evidence(wc->c, (const char *)b.data, b.len, err);
    free(b.data);
    return rc == TR_ECONFLICT ? rc : TR_OK;
}

/* Reads a 409's body: the witness's size. */
static bool conflict_size(const http_body *b, uint64_t *size) {
    char *end = NULL;
    unsigned long long v = strtoull((const char *)b->data, &end, 10);
    if (end == (char *)b->data || (*end != '\n' && *end != '\0')) return false;
    *size = v;
    return true;
}

/* Sends the latest checkpoint to witness k once, following one 409. */
static enum outcome ask(witness_client *wc, size_t k, bool always, tr_err *err) {
    centre *c = wc->c;
    for (int attempt = 0; attempt < 3; attempt++) {
        char *body = NULL;
        size_t len = 0;
        uint64_t size = 0;
        int rc = centre_witness_request(c, k, always || attempt > 0, &body, &len, &size, err);
        if (rc == TR_ECONFLICT) return weigh_evidence(wc, k, err) ? DIVERGED : REFUSED;
        if (rc) return UNREACHABLE;
        if (!body) return NOTHING;
        long status = 0;
        http_body b;
        rc = http_client_send(&wc->w[k].http, "POST", "/add-checkpoint", body, len,
                              "text/plain; charset=utf-8", &status, &b, err);
        free(body);
        if (rc) return UNREACHABLE;
        enum outcome o = REFUSED;
        uint64_t known = 0;
        if (status == 200) {
            o = centre_witness_cosigned(c, k, size, (const char *)b.data, b.len, err) ? REFUSED : COSIGNED;
        } else if (status == 409 && conflict_size(&b, &known)) {
            centre_witness_set_known(c, k, known);
            tr_fail(err, TR_ECONFLICT, "", "it has cosigned size %llu", (unsigned long long)known);
            o = known > size ? (weigh_evidence(wc, k, err) ? DIVERGED : REFUSED) : NOTHING;
        } else {
            tr_fail(err, TR_EUNAVAIL, "", "it answered %ld: %.200s", status,
                    b.data ? (const char *)b.data : "");
            if (status == 422 && weigh_evidence(wc, k, err)) o = DIVERGED;
        }
        free(b.data);
        if (o != NOTHING || status != 409) return o;
    }
    return REFUSED;
}

/* Prints a problem with witness k, once until it changes. */
static void report(witness_client *wc, size_t k, const char *what, const tr_err *err) {
    char line[512];
    snprintf(line, sizeof line, "%.100s: %s", what, err->msg);
    if (strcmp(line, wc->w[k].last) == 0) return;
    snprintf(wc->w[k].last, sizeof wc->w[k].last, "%s", line);
    fprintf(stderr, "truce: witness %s (%s): %s\n", centre_witness_key(wc->c, k, NULL)->name, wc->w[k].url,
            line);
}

/* Asks witness k and keeps its backoff; DIVERGED is returned for the caller to act on. */
static enum outcome visit(witness_client *wc, size_t k, bool always) {
    tr_err err = {0};
    enum outcome o = ask(wc, k, always, &err);
    wstate *w = &wc->w[k];
    if (o == COSIGNED || o == NOTHING) {
        if (w->failures)
            fprintf(stderr, "truce: witness %s (%s): cosigning again\n",
                    centre_witness_key(wc->c, k, NULL)->name, w->url);
        w->failures = 0;
        w->last[0] = '\0';
        return o;
    }
    unsigned shift = w->failures < 7 ? w->failures : 7;
    w->failures++;
    w->due_ms =
        now_ms() + (BACKOFF_MIN_MS << shift < BACKOFF_MAX_MS ? BACKOFF_MIN_MS << shift : BACKOFF_MAX_MS);
    report(wc, k,
           o == UNREACHABLE ? "not reachable"
           : o == DIVERGED  ? "REFUSES THIS LOG"
                            : "refused the checkpoint",
           &err);
    if (o == DIVERGED) snprintf(w->last, sizeof w->last, "%s", err.msg);
    return o;
}

/* ---- the thread ---- */

static void *client_main(void *p) {
    witness_client *wc = p;
    pthread_mutex_lock(&wc->mu);
    while (!wc->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 250000000L; /* retries are due on a quarter-second grid */
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        if (!wc->kick) pthread_cond_timedwait(&wc->cond, &wc->mu, &ts);
        wc->kick = false;
        pthread_mutex_unlock(&wc->mu);
        for (size_t k = 0; k < wc->n && !__atomic_load_n(&wc->stop, __ATOMIC_SEQ_CST); k++)
            if (now_ms() >= wc->w[k].due_ms) visit(wc, k, false);
        pthread_mutex_lock(&wc->mu);
    }
    pthread_mutex_unlock(&wc->mu);
    return NULL;
}

static void on_checkpoint(void *ctx) {
    witness_client *wc = ctx;
    pthread_mutex_lock(&wc->mu);
    wc->kick = true;
    pthread_cond_signal(&wc->cond);
    pthread_mutex_unlock(&wc->mu);
}

/* ---- start and stop ---- */

static void free_client(witness_client *wc) {
    for (size_t k = 0; k < wc->n; k++)
        http_client_close(&wc->w[k].http);
    pthread_mutex_destroy(&wc->mu);
    pthread_cond_destroy(&wc->cond);
    free(wc);
}

/* Splits the specs and configures the centre. */
static int configure(witness_client *wc, const witness_client_options *o, tr_err *err) {
    const char *vkeys[CLIENT_WITNESSES_MAX];
    if (o->n == 0 || o->n > CLIENT_WITNESSES_MAX)
        return tr_fail(err, TR_EINVAL, "--witness", "give 1 to %d witnesses", CLIENT_WITNESSES_MAX);
    int rc = TR_OK;
    for (size_t k = 0; rc == TR_OK && k < o->n; k++) {
        const char *eq = strchr(o->specs[k], '=');
        if (!eq || (size_t)(eq - o->specs[k]) >= sizeof wc->w[k].url)
            return tr_fail(err, TR_EINVAL, "--witness", "'%s' is not URL=VKEY", o->specs[k]);
        memcpy(wc->w[k].url, o->specs[k], (size_t)(eq - o->specs[k]));
        vkeys[k] = eq + 1;
        wc->n = k + 1;
        rc = http_client_open(&wc->w[k].http, wc->w[k].url, NULL, o->timeout_ms ? o->timeout_ms : 5000,
                              "--witness", err);
    }
    if (rc == TR_OK) rc = centre_witnesses_set(wc->c, vkeys, o->n, o->quorum ? o->quorum : o->n, err);
    return rc;
}

/* The start-up round: every witness once; a divergence stops the start. */
static int first_round(witness_client *wc, tr_err *err) {
    size_t cosigned = 0;
    for (size_t k = 0; k < wc->n; k++) {
        const tlog_verifier *v = centre_witness_key(wc->c, k, NULL);
        enum outcome o = visit(wc, k, true);
        if (o == DIVERGED)
            return tr_fail(
                err, TR_ECONFLICT, "--witness",
                "refusing to start: witness %s proves that this database is not the log it cosigned "
                "(above). Restore the latest copy of the database; see docs/operations.md, \"Running "
                "with witnesses\"",
                v->name);
        if (o == COSIGNED || o == NOTHING) {
            cosigned++;
            fprintf(stderr, "truce: witness %s (%s): cosigned the log up to size %llu\n", v->name,
                    wc->w[k].url, (unsigned long long)centre_witness_known(wc->c, k));
        }
    }
    fprintf(stderr, "truce: %zu of %zu witnesses cosigned the latest checkpoint (quorum %zu)%s\n", cosigned,
            wc->n, centre_witness_quorum(wc->c),
            cosigned < centre_witness_quorum(wc->c) ? "; receipts wait until a quorum cosigns" : "");
    return TR_OK;
}

int witness_client_start(centre *c, const witness_client_options *o, witness_client **out, tr_err *err) {
    witness_client *wc = calloc(1, sizeof *wc);
    if (!wc) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    wc->c = c;
    pthread_mutex_init(&wc->mu, NULL);
    pthread_cond_init(&wc->cond, NULL);
    int rc = configure(wc, o, err);
    if (rc == TR_OK) rc = first_round(wc, err);
    if (rc == TR_OK && pthread_create(&wc->thread, NULL, client_main, wc) != 0)
        rc = tr_fail(err, TR_EINTERNAL, "", "cannot start the witness thread");
    if (rc) {
        free_client(wc);
        return rc;
    }
    wc->started = true;
    c->on_checkpoint_ctx = wc;
    __atomic_store_n(&c->on_checkpoint, on_checkpoint, __ATOMIC_SEQ_CST);
    *out = wc;
    return TR_OK;
}

void witness_client_stop(witness_client *wc) {
    if (!wc) return;
    __atomic_store_n(&wc->c->on_checkpoint, NULL, __ATOMIC_SEQ_CST);
    pthread_mutex_lock(&wc->mu);
    __atomic_store_n(&wc->stop, true, __ATOMIC_SEQ_CST);
    pthread_cond_signal(&wc->cond);
    pthread_mutex_unlock(&wc->mu);
    if (wc->started) pthread_join(wc->thread, NULL);
    free_client(wc);
}
