/*
 * witness.c — `truce witness serve`: the HTTP side of a C2SP tlog-witness (witness.h),
 * its key file and its durable state. The decisions are engines/tlog_witness.c's.
 */
#include "edges/witness.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "edges/http.h"
#include "engines/tlog_witness.h"

#define WITNESS_BODY_LIMIT (256u * 1024u) /* a checkpoint, 63 proof lines, a few dozen signatures */
#define WITNESS_LOGS_MAX 64

struct witness_server {
    struct MHD_Daemon *d;
    pthread_mutex_t mu; /* check, persist and record one request at a time */
    tlog_cosigner key;
    tlog_verifier self;
    tlog_witness_log logs[WITNESS_LOGS_MAX]; /* origin, keys, the size and root cosigned last */
    char *notes[WITNESS_LOGS_MAX];           /* that checkpoint, the log's signatures, our cosignature */
    char hash[WITNESS_LOGS_MAX][65];         /* hex SHA-256 of the origin: state file, monitoring path */
    size_t nlogs;
    char dir[4096];
    uint16_t port;
};

/* ======================================================================== the key */

int witness_key_create(const char *path, const char *name, char vkey[TLOG_KEY_STRING_MAX], tr_err *err) {
    tlog_signer s;
    tlog_cosigner c;
    tlog_verifier v;
    char skey[TLOG_KEY_STRING_MAX];
    int rc = tlog_key_generate(name, &s, NULL, err);
    if (rc) return tr_fail(err, TR_EINVAL, "--name", "%s", err->msg);
    tlog_cosigner_from_signer(&s, &c);
    tlog_cosigner_verifier(&c, &v);
    rc = tlog_signer_encode(&s, skey, sizeof skey, err);
    if (rc == TR_OK) rc = tlog_cosig_vkey_encode(&v, vkey, TLOG_KEY_STRING_MAX, err);
    tlog_signer_wipe(&s);
    tlog_cosigner_wipe(&c);
    int fd = rc == TR_OK ? open(path, O_WRONLY | O_CREAT | O_EXCL, 0600) : -1;
    if (rc == TR_OK && fd < 0)
        rc = tr_fail(err, TR_EIO, "KEYFILE", "cannot create %s: %s", path, strerror(errno));
    if (fd >= 0) {
        size_t n = strlen(skey);
        bool ok = write(fd, skey, n) == (ssize_t)n && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
        close(fd);
        if (!ok) {
            unlink(path);
            rc = tr_fail(err, TR_EIO, "KEYFILE", "cannot write %s", path);
        }
    }
    sodium_memzero(skey, sizeof skey);
    return rc;
}

static int read_key(witness_server *w, const char *path, tr_err *err) {
    FILE *f = fopen(path, "r");
    if (!f) return tr_fail(err, TR_EIO, "--key", "cannot read %s: %s", path, strerror(errno));
    char buf[TLOG_KEY_STRING_MAX + 2] = {0};
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    tlog_signer s;
    int rc = tlog_signer_parse(buf, &s, err);
    sodium_memzero(buf, sizeof buf);
    if (rc)
        return tr_fail(err, TR_EINVAL, "--key", "%s does not hold a key made by 'truce witness key'", path);
    tlog_cosigner_from_signer(&s, &w->key);
    tlog_cosigner_verifier(&w->key, &w->self);
    tlog_signer_wipe(&s);
    return TR_OK;
}

/* ======================================================================== state */

static void origin_hash(const char *origin, char hex[65]) {
    uint8_t h[32];
    crypto_hash_sha256(h, (const uint8_t *)origin, strlen(origin));
    sodium_bin2hex(hex, 65, h, sizeof h);
}

/* Adds the log of verifier key vkey (grouping keys by name: a log's origin is its key name). */
static int add_log(witness_server *w, const char *vkey, tr_err *err) {
    tlog_verifier v;
    if (tlog_verifier_parse(vkey, &v, err))
        return tr_fail(err, TR_EINVAL, "--log", "'%s': %s", vkey, err->msg);
    size_t k = 0;
    while (k < w->nlogs && strcmp(w->logs[k].origin, v.name) != 0)
        k++;
    if (k == WITNESS_LOGS_MAX) return tr_fail(err, TR_EINVAL, "--log", "at most %d logs", WITNESS_LOGS_MAX);
    tlog_witness_log *l = &w->logs[k];
    if (k == w->nlogs) {
        w->nlogs++;
        snprintf(l->origin, sizeof l->origin, "%s", v.name);
        tlog_hash_empty(&l->root);
        origin_hash(v.name, w->hash[k]);
    }
    if (l->nkeys == TLOG_WITNESS_LOG_KEYS)
        return tr_fail(err, TR_EINVAL, "--log", "at most %d keys per log", TLOG_WITNESS_LOG_KEYS);
    l->keys[l->nkeys++] = v;
    return TR_OK;
}

/* Reads l's state file, if any: it must be a checkpoint of l signed by its key and
 * cosigned by ours. */
static int load_log(witness_server *w, size_t k, tr_err *err) {
    tlog_witness_log *l = &w->logs[k];
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", w->dir, w->hash[k]);
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? TR_OK
                               : tr_fail(err, TR_EIO, "--state", "cannot read %s: %s", path, strerror(errno));
    char *buf = calloc(1, WITNESS_BODY_LIMIT + 1);
    size_t n = buf ? fread(buf, 1, WITNESS_BODY_LIMIT, f) : 0;
    fclose(f);
    tlog_checkpoint cp;
    tlog_cosig_status st;
    size_t nvalid = 0;
    int rc = buf ? tlog_checkpoint_open(buf, n, l->keys, l->nkeys, l->origin, &cp, err)
                 : tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) rc = tlog_cosigs_check(buf, n, &w->self, 1, &st, &nvalid, err);
    if (rc == TR_OK && nvalid != 1) rc = TR_EAUTH;
    if (rc) {
        free(buf);
        return tr_fail(err, TR_EINVAL, "--state",
                       "%s is not a checkpoint of %s signed by its key and cosigned by this witness's key",
                       path, l->origin);
    }
    l->size = cp.size;
    l->root = cp.root;
    w->notes[k] = buf;
    return TR_OK;
}

/* Writes note as l's state: a temporary file, fsync, rename, fsync of the directory. */
static int persist(witness_server *w, size_t k, const char *note, size_t len, tr_err *err) {
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/%s", w->dir, w->hash[k]);
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    int fd = mkstemp(tmp), rc = TR_OK;
    bool ok = fd >= 0 && write(fd, note, len) == (ssize_t)len && fsync(fd) == 0;
    if (fd >= 0) ok = close(fd) == 0 && ok;
    ok = ok && rename(tmp, path) == 0;
    int dfd = ok ? open(w->dir, O_RDONLY | O_DIRECTORY) : -1;
    ok = ok && dfd >= 0 && fsync(dfd) == 0;
    if (dfd >= 0) close(dfd);
    if (!ok) {
        rc = tr_fail(err, TR_EIO, "", "cannot record the checkpoint in %s: %s", path, strerror(errno));
        if (fd >= 0) unlink(tmp);
    }
    return rc;
}

/* The note to keep: the checkpoint's text, the log's signature lines that verified, and
 * our cosignature line (malloc'd). */
static char *cosigned_note(const tlog_witness_log *l, const tlog_witness_req *req, const char *line,
                           size_t *len) {
    tlog_note n;
    if (tlog_note_open(req->note, req->note_len, l->keys, l->nkeys, &n, NULL)) return NULL;
    char *out = malloc(req->note_len + strlen(line) + 2);
    if (!out) return NULL;
    size_t off = n.text_len;
    memcpy(out, req->note, off);
    out[off++] = '\n';
    for (size_t i = 0; i < n.nsigs; i++) {
        if (n.sigs[i].verifier < 0) continue;
        size_t start = n.sigs[i].b64_off - strlen(n.sigs[i].name) - 5,
               end = n.sigs[i].b64_off + n.sigs[i].b64_len + 1;
        memcpy(out + off, req->note + start, end - start);
        off += end - start;
    }
    strcpy(out + off, line);
    *len = off + strlen(line);
    return out;
}

/* ======================================================================== HTTP */

typedef struct wreq {
    char *body;
    size_t len, cap;
    bool too_big;
} wreq;

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned status, const char *type,
                              const char *body) {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result answer_text(struct MHD_Connection *conn, unsigned status, const char *msg) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s\n", msg);
    fprintf(stderr, "truce witness: POST /add-checkpoint %u %s\n", status, msg);
    return answer(conn, status, "text/plain; charset=utf-8", buf);
}

/* Cosigns v's checkpoint: builds and persists the new state, then records it. Holds w->mu. */
static int cosign(witness_server *w, const tlog_witness_req *req, const tlog_witness_verdict *v, char *line,
                  tr_err *err) {
    tlog_witness_log *l = &w->logs[v->log];
    size_t ll = 0, len = 0;
    int rc = tlog_cosign(&w->key, req->note, v->text_len, (uint64_t)time(NULL), line, TLOG_COSIG_LINE_MAX,
                         &ll, err);
    char *note = rc ? NULL : cosigned_note(l, req, line, &len);
    if (rc == TR_OK && !note) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) rc = persist(w, v->log, note, len, err);
    if (rc) {
        free(note);
        return rc;
    }
    free(w->notes[v->log]);
    w->notes[v->log] = note;
    l->size = v->cp.size;
    l->root = v->cp.root;
    return TR_OK;
}

static enum MHD_Result add_checkpoint(witness_server *w, struct MHD_Connection *conn, wreq *q) {
    tlog_witness_req req;
    tr_err err = {0};
    if (q->too_big) return answer_text(conn, 413, "the request is larger than 256 KiB");
    if (tlog_witness_req_parse(q->body ? q->body : "", q->len, &req, &err))
        return answer_text(conn, 400, err.msg);
    tlog_witness_verdict v;
    char line[TLOG_COSIG_LINE_MAX], size[32];
    pthread_mutex_lock(&w->mu);
    int status = tlog_witness_check(w->logs, w->nlogs, &req, &v);
    if (status == 200 && cosign(w, &req, &v, line, &err)) status = 500;
    pthread_mutex_unlock(&w->mu);
    if (status == 409) {
        snprintf(size, sizeof size, "%llu\n", (unsigned long long)v.known);
        fprintf(stderr, "truce witness: POST /add-checkpoint 409 %s\n", v.why);
        return answer(conn, 409, "text/x.tlog.size", size);
    }
    if (status == 500) return answer_text(conn, 500, err.msg);
    if (status != 200) return answer_text(conn, (unsigned)status, v.why);
    fprintf(stderr, "truce witness: POST /add-checkpoint 200 %s\n", v.why);
    return answer(conn, 200, "text/plain; charset=utf-8", line);
}

/* GET /<origin hash>/checkpoint */
static enum MHD_Result monitor(witness_server *w, struct MHD_Connection *conn, const char *url) {
    pthread_mutex_lock(&w->mu);
    enum MHD_Result ret = MHD_NO;
    bool found = false;
    for (size_t k = 0; k < w->nlogs && !found; k++) {
        if (strlen(url) != 1 + 64 + 11 || strncmp(url + 1, w->hash[k], 64) != 0 || !w->notes[k]) continue;
        found = true;
        ret = answer(conn, 200, "text/plain; charset=utf-8", w->notes[k]);
    }
    pthread_mutex_unlock(&w->mu);
    return found ? ret
                 : answer(conn, 404, "text/plain; charset=utf-8", "no checkpoint cosigned for that log\n");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size,
                                  void **con_cls) {
    witness_server *w = cls;
    (void)version;
    wreq *q = *con_cls;
    if (!q) {
        if (!(q = calloc(1, sizeof *q))) return MHD_NO;
        *con_cls = q;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (q->too_big || q->len + n > WITNESS_BODY_LIMIT) {
            q->too_big = true;
            return MHD_YES;
        }
        if (q->len + n + 1 > q->cap) {
            size_t cap = q->cap ? q->cap : 4096;
            while (cap < q->len + n + 1)
                cap *= 2;
            char *b = realloc(q->body, cap);
            if (!b) return MHD_NO;
            q->body = b;
            q->cap = cap;
        }
        memcpy(q->body + q->len, upload, n);
        q->len += n;
        return MHD_YES;
    }
    bool add = strcmp(url, "/add-checkpoint") == 0;
    bool mon = !add && strlen(url) > 11 && strcmp(url + strlen(url) - 11, "/checkpoint") == 0;
    if (add && strcmp(method, "POST") == 0) return add_checkpoint(w, conn, q);
    if (mon && strcmp(method, "GET") == 0) return monitor(w, conn, url);
    if (add || mon) return answer(conn, 405, "text/plain; charset=utf-8", "method not allowed\n");
    return answer(conn, 404, "text/plain; charset=utf-8",
                  "not found: POST /add-checkpoint or GET /<origin hash>/checkpoint\n");
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    (void)cls;
    (void)conn;
    (void)toe;
    wreq *q = *con_cls;
    if (q) {
        free(q->body);
        free(q);
    }
    *con_cls = NULL;
}

/* ======================================================================== start and stop */

static int open_state(witness_server *w, const witness_options *o, tr_err *err) {
    snprintf(w->dir, sizeof w->dir, "%s%s", o->state_dir ? o->state_dir : o->key_path,
             o->state_dir ? "" : ".state");
    if (mkdir(w->dir, 0700) != 0 && errno != EEXIST)
        return tr_fail(err, TR_EIO, "--state", "cannot create %s: %s", w->dir, strerror(errno));
    int rc = TR_OK;
    for (size_t k = 0; rc == TR_OK && k < w->nlogs; k++) {
        rc = load_log(w, k, err);
        if (rc == TR_OK)
            fprintf(stderr, "truce witness: log %s: %s %llu\n", w->logs[k].origin,
                    w->notes[k] ? "cosigned up to size" : "nothing cosigned yet, size",
                    (unsigned long long)w->logs[k].size);
    }
    return rc;
}

static int listen_on(witness_server *w, const witness_options *o, tr_err *err) {
    struct sockaddr_storage ss;
    socklen_t sl;
    char host[64];
    int rc = http_parse_listen(o->listen, &ss, &sl, host, sizeof host, err);
    if (rc) return rc;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
    w->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, w, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                            MHD_OPTION_THREAD_POOL_SIZE, o->threads ? o->threads : 2u,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, w, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
                            MHD_OPTION_CONNECTION_LIMIT, 256u, MHD_OPTION_END);
    if (!w->d)
        return tr_fail(err, TR_EIO, "--listen",
                       "cannot listen on %s (in use, or not an address of this machine)", o->listen);
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(w->d, MHD_DAEMON_INFO_BIND_PORT);
    w->port = di ? di->port : 0;
    fprintf(stderr, "truce witness: listening on http://%s%s%s:%u\n", ss.ss_family == AF_INET6 ? "[" : "",
            host, ss.ss_family == AF_INET6 ? "]" : "", w->port);
    return TR_OK;
}

static void free_server(witness_server *w) {
    for (size_t k = 0; k < w->nlogs; k++)
        free(w->notes[k]);
    tlog_cosigner_wipe(&w->key);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

int witness_start(const witness_options *o, witness_server **out, tr_err *err) {
    if (sodium_init() < 0) return tr_fail(err, TR_EINTERNAL, "", "libsodium failed to initialise");
    if (o->nlogs == 0) return tr_fail(err, TR_EINVAL, "--log", "give the verifier key of at least one log");
    witness_server *w = calloc(1, sizeof *w);
    if (!w) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    pthread_mutex_init(&w->mu, NULL);
    int rc = read_key(w, o->key_path, err);
    for (size_t k = 0; rc == TR_OK && k < o->nlogs; k++)
        rc = add_log(w, o->logs[k], err);
    if (rc == TR_OK) rc = open_state(w, o, err);
    if (rc == TR_OK) {
        char vkey[TLOG_KEY_STRING_MAX];
        tlog_cosig_vkey_encode(&w->self, vkey, sizeof vkey, NULL);
        fprintf(stderr, "truce witness: %s, verifier key %s, state in %s\n", w->self.name, vkey, w->dir);
        rc = listen_on(w, o, err);
    }
    if (rc) {
        free_server(w);
        return rc;
    }
    *out = w;
    return TR_OK;
}

uint16_t witness_port(const witness_server *w) {
    return w->port;
}

void witness_stop(witness_server *w) {
    if (!w) return;
    MHD_stop_daemon(w->d);
    free_server(w);
}
