/*
 * verify.c — `truce verify --db`: the audit of a database at rest, and the pieces the
 * three audits share (report lines, keys, saved checkpoints). verify_remote.c holds the
 * HTTP audits.
 *
 * The audit trusts nothing in the file except, when no --key is given, log_meta's
 * verifier key (and says so). Its passes, each building on the one before:
 *  1. log_entry in index order: each entry's fields against the row's columns and its
 *     object_sha256 against SHA-256(log_entry.object); each leaf hash is appended to a
 *     tree rebuilt in memory. A missing row is reported and, when log_node still holds its
 *     leaf hash, the rebuild goes on with that hash, so one deleted row is one problem;
 *     without it the rebuilt tree stops there.
 *  2. log_node against the rebuilt tree: every changed, missing or extra node.
 *  3. log_checkpoint: the signature (verifier key), the size and root columns against the
 *     signed text, the root against the rebuilt tree at that size, and a consistency proof
 *     from the previous checkpoint, computed from the rebuilt tree and verified with
 *     tlog_verify_consistency. Being a prefix is transitive, so a chain of verified proofs
 *     shows that every checkpoint extends every earlier one.
 *     Each checkpoint's "prev SIZE" line must name the checkpoint stored before it.
 *  4. The state against the log (verify_match.c): every table, one check each; every row's
 *     object rebuilt by the functions the centre logs with (service/centre_objects.h)
 *     must be an entry's, and every column the object does not hold but an answer, a
 *     notice, a decision or an access depends on is recomputed from logged facts.
 *
 * Reading (verify_open.c): the log (entries, nodes, checkpoints, meta) and the rows
 * store.h does not list (party rows with their token hash, actors, row counts, the rules
 * of a table's rows) through store_audit.h, in one read-only snapshot of the database
 * (SQLite or PostgreSQL, db.h); the rows of each kind through the store's functions
 * (area versions, agreements, sites, reports, ...). No SQL is written here. Audit a
 * database at rest: rows a running server writes while the audit reads can show up as
 * problems.
 */
#include "edges/verify.h"
#include "base/mem.h"
#include "edges/verify_db.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/timeutil.h"
#include "service/centre.h"
#include "service/centre_objects.h"
#include "store/store.h"

/* ======================================================================== shared */

void verify__fail(verify__report *r, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("FAIL ", r->out);
    vfprintf(r->out, fmt, ap);
    fputc('\n', r->out);
    va_end(ap);
    r->problems++;
}

int verify__finish(verify__report *r, const char *what) {
    if (r->problems == 0) {
        fprintf(r->out, "OK: %s\n", what);
        return VERIFY_OK;
    }
    fprintf(r->out, "FAILED: %lu problem%s in %s\n", r->problems, r->problems == 1 ? "" : "s", what);
    return VERIFY_FAIL;
}

int verify__key(const char *key, tlog_verifier *v) {
    tr_err err = {0};
    if (tlog_verifier_parse(key, v, &err) == TR_OK) return VERIFY_OK;
    fprintf(stderr,
            "truce verify: --key: '%s' is not a verifier key (NAME+KEYID+BASE64, as GET /v1/log/key "
            "answers): %s\nsee 'truce verify --help'\n",
            key, err.msg);
    return VERIFY_USAGE;
}

int verify__read_file(const char *path, size_t limit, char **data, size_t *len, tr_err *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return tr_fail(err, TR_EIO, path, "cannot read %s: %s", path, strerror(errno));
    char *buf = malloc(limit + 1);
    size_t n = buf ? fread(buf, 1, limit + 1, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (!buf) return tr_fail(err, TR_ENOMEM, path, "out of memory");
    if (bad || n > limit) {
        free(buf);
        return tr_fail(err, TR_EIO, path, bad ? "cannot read %s" : "%s is too large", path);
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return TR_OK;
}

void verify__saved_checkpoint(verify__report *rep, const char *path, const tlog_verifier *v,
                              const tlog_reader *r, uint64_t n, const tlog_hash *root, tlog_checkpoint *saved,
                              bool *opened) {
    char *note = NULL;
    size_t len;
    tr_err err = {0};
    *opened = false;
    if (verify__read_file(path, 65536, &note, &len, &err)) {
        verify__fail(rep, "saved checkpoint %s: %s", path, err.msg);
        return;
    }
    verify__saved_note(rep, path, note, len, v, r, n, root, saved, opened);
    free(note);
}

void verify__saved_note(verify__report *rep, const char *path, const char *note, size_t len,
                        const tlog_verifier *v, const tlog_reader *r, uint64_t n, const tlog_hash *root,
                        tlog_checkpoint *saved, bool *opened) {
    tr_err err = {0};
    *opened = false;
    if (tlog_checkpoint_open(note, len, v, 1, NULL, saved, &err)) {
        verify__fail(rep, "saved checkpoint %s: not a checkpoint signed by the verifier key: %s", path,
                     err.msg);
        return;
    }
    saved->ext = NULL; /* it pointed into note */
    *opened = true;
    uint64_t m = saved->size;
    tlog_hash at_m, proof[TLOG_PROOF_MAX];
    size_t plen = 0;
    if (m > n) {
        verify__fail(rep, "saved checkpoint %s (size %llu): the log now has only %llu entries: it shrank",
                     path, (unsigned long long)m, (unsigned long long)n);
        return;
    }
    if (tlog_root_at(r, m, &at_m, &err) || !tlog_hash_equal(&at_m, &saved->root)) {
        verify__fail(rep,
                     "saved checkpoint %s (size %llu): its root is not the root of the first %llu entries of "
                     "the log now: the history it signed was rewritten",
                     path, (unsigned long long)m, (unsigned long long)m);
    }
    if (tlog_prove_consistency(r, m, n, proof, &plen, &err) ||
        tlog_verify_consistency(m, n, &saved->root, root, proof, plen, &err)) {
        verify__fail(rep,
                     "saved checkpoint %s (size %llu): not consistent with the log at size %llu "
                     "(consistency proof from the rebuilt tree: %s)",
                     path, (unsigned long long)m, (unsigned long long)n, err.msg);
        return;
    }
    fprintf(rep->out, "saved checkpoint %s (size %llu): the log at size %llu extends it\n", path,
            (unsigned long long)m, (unsigned long long)n);
}

/* Copies s for a one-line message: at most 80 bytes, control characters as '?'. */
const char *verify__clip(const char *s, char buf[96]) {
    size_t n = 0;
    for (; s && s[n] && n < 80; n++)
        buf[n] = (unsigned char)s[n] < 0x20 ? '?' : s[n];
    snprintf(buf + n, 96 - n, "%s", s && s[n] ? "..." : "");
    return buf;
}

static void sha256_hex(const void *data, size_t len, uint8_t sha[32], char hex[65]) {
    crypto_hash_sha256(sha, data, len);
    sodium_bin2hex(hex, 65, sha, 32);
}

/* ======================================================================== the database audit */

/* The types of the audit are in verify_db.h (shared with verify_state.c). */

static int tree_add(db_audit *a, const tlog_hash *leaf) {
    tlog_node_hash nodes[63];
    size_t n;
    if (tlog_tree_append(&a->tree, leaf, nodes, &n, &a->err)) return TR_EINVAL;
    return tlog_memstore_put(a->mem, nodes, n, &a->err);
}

/* Entry k has no row. If log_node still holds its leaf hash, reports it and goes on
 * rebuilding with that hash (true). Otherwise, when the log must have it (a later entry or
 * a checkpoint says so), reports that the tree stops there; false either way. */
static bool entry_missing(db_audit *a, uint64_t k, bool must) {
    const store_audit_row *row = NULL;
    const void *hash = NULL;
    size_t n = 0;
    tlog_hash leaf;
    tr_err e = {0};
    if (a->broken) return false;
    if (k <= INT64_MAX && store_audit_get(a->db, AUDIT_GET_LEAF, (int64_t)k, &row, &e) == TR_OK && row)
        hash = store_audit_blob(row, 0, &n);
    if (hash && n == TLOG_HASH_SIZE) {
        memcpy(leaf.b, hash, TLOG_HASH_SIZE);
        FAIL(a, "log_entry %llu: missing: no row has this idx (log_node still holds its leaf hash)", ULL(k));
        return tree_add(a, &leaf) == TR_OK;
    }
    if (must) {
        FAIL(a,
             "log_entry %llu: missing, and so is its leaf hash in log_node: the tree cannot be rebuilt past "
             "entry %llu",
             ULL(k), ULL(k));
        a->broken = true;
    }
    return false;
}

/* Entries [from, to) have no row, though the log must hold them. */
static void entries_missing(db_audit *a, uint64_t from, uint64_t to) {
    uint64_t k = from;
    while (k < to && entry_missing(a, k, true))
        k++;
    if (k + 1 < to)
        FAIL(a, "log_entry %llu to %llu: missing: no rows have these idx", ULL(k + 1), ULL(to - 1));
}

static const char *const ENTRY_FIELDS[] = {
    "at", "body_sha256", "object_sha256", "party", "ref", "signature", "type", "v", NULL};

/* The key party registered last before this point of the log, or NULL. */
static const uint8_t *party_key(const db_audit *a, const char *party) {
    for (size_t i = a->nkeys; i-- > 0;)
        if (strcmp(a->keys[i].party, party) == 0) return a->keys[i].pk;
    return NULL;
}

/* A party.key entry: remember the key it registers, for the entries after it. */
static void learn_key(db_audit *a, const store_log_entry *e) {
    json_t *o = json_loadb((const char *)e->object, e->object_len, 0, NULL);
    const char *name = json_string_value(json_object_get(o, "name"));
    const char *b64 = json_string_value(json_object_get(o, "public_key"));
    uint8_t pk[32];
    size_t n = 0;
    struct party_key *k = realloc(a->keys, (a->nkeys + 1) * sizeof *a->keys);
    if (k) a->keys = k;
    if (!name || !b64 ||
        sodium_base642bin(pk, 32, b64, strlen(b64), NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) ||
        n != 32)
        FAIL(a, "log_entry %llu: party.key entry without a valid public_key", ULL(e->index));
    else if (k && (a->keys[a->nkeys].party = strdup(name)) != NULL)
        memcpy(a->keys[a->nkeys++].pk, pk, 32);
    json_decref(o);
}

/* A signed submission: the body kept beside the entry hashes to body_sha256, and the
 * signature over it verifies with the key the party had registered by then. */
static void check_signature(db_audit *a, const store_log_entry *e, const json_t *entry) {
    const char *hex = json_string_value(json_object_get(entry, "body_sha256"));
    const char *sig_b64 = json_string_value(json_object_get(entry, "signature"));
    if (!hex && !sig_b64) {
        if (e->submission)
            FAIL(a, "log_entry %llu: a submission is kept beside it, but the entry is not signed",
                 ULL(e->index));
        return;
    }
    uint8_t sha[32], sig[64];
    char got[65];
    size_t n = 0;
    const uint8_t *pk = e->party ? party_key(a, e->party) : NULL;
    if (!hex || !sig_b64 || !e->submission) {
        FAIL(a, "log_entry %llu: a signed entry needs body_sha256, signature and the submission's bytes",
             ULL(e->index));
        return;
    }
    sha256_hex(e->submission, e->submission_len, sha, got);
    if (strcmp(got, hex) != 0)
        FAIL(a, "log_entry %llu: body_sha256 is %s but SHA-256 of log_entry.submission is %s", ULL(e->index),
             hex, got);
    else if (!pk)
        FAIL(a, "log_entry %llu: signed by %s, who had registered no key by then", ULL(e->index), e->party);
    else if (sodium_base642bin(sig, 64, sig_b64, strlen(sig_b64), NULL, &n, NULL,
                               sodium_base64_VARIANT_ORIGINAL) ||
             n != 64 || crypto_sign_verify_detached(sig, e->submission, e->submission_len, pk) != 0)
        FAIL(a, "log_entry %llu: the signature of %s does not verify over the submission", ULL(e->index),
             e->party);
    else
        verify__check_target(a, e);
}

/* Checks an entry's bytes against its row (d); fills sha with the object_sha256 it commits to
 * and version with its "v" (the encoding of its object, centre_objects.h). */
static void check_entry_fields(db_audit *a, const store_log_entry *e, uint8_t sha[32], int *version) {
    char hex[65], b1[96], b2[96], at[TR_TIME_BUFSZ];
    sha256_hex(e->object, e->object_len, sha, hex);
    json_error_t je;
    json_t *j = json_loadb((const char *)e->entry, e->entry_len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(j)) {
        FAIL(a, "log_entry %llu: the entry is not a JSON object (%s)", ULL(e->index),
             verify__clip(je.text, b1));
        json_decref(j);
        return;
    }
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v) {
        size_t i = 0;
        while (ENTRY_FIELDS[i] && strcmp(ENTRY_FIELDS[i], k) != 0)
            i++;
        if (!ENTRY_FIELDS[i])
            FAIL(a, "log_entry %llu: unknown field '%s' in the entry", ULL(e->index), verify__clip(k, b1));
    }
    v = json_object_get(j, "v");
    *version = json_is_integer(v) ? (int)json_integer_value(v) : 0;
    if (*version < 1 || *version > CENTRE_LOG_VERSION) {
        FAIL(a, "log_entry %llu: the entry's v is not a version from 1 to %d", ULL(e->index),
             CENTRE_LOG_VERSION);
        *version = CENTRE_LOG_VERSION;
    }
    char *canon = centre_object_bytes_v(j, *version);
    if (!canon || strlen(canon) != e->entry_len || memcmp(canon, e->entry, e->entry_len) != 0)
        FAIL(a, "log_entry %llu: the entry is not in canonical form (compact JSON, keys sorted)",
             ULL(e->index));
    free(canon);
    check_signature(a, e, j);
    if (e->type && strcmp(e->type, TR_ENTRY(PARTY_KEY)) == 0) learn_key(a, e);
    const char *cols[][2] = {
        {"party", e->party}, {"type", e->type}, {"ref", e->ref}, {"at", tr_time_format(e->at, at)}};
    for (size_t i = 0; i < sizeof cols / sizeof *cols; i++) {
        const char *s = json_string_value(json_object_get(j, cols[i][0]));
        if (!s || !cols[i][1] || strcmp(s, cols[i][1]) != 0)
            FAIL(a, "log_entry %llu: the entry's %s is \"%s\" but the row's %s column is \"%s\"",
                 ULL(e->index), cols[i][0], verify__clip(s ? s : "(none)", b1), cols[i][0],
                 verify__clip(cols[i][1] ? cols[i][1] : "(null)", b2));
    }
    const char *logged_hex = json_string_value(json_object_get(j, "object_sha256"));
    uint8_t committed[32];
    size_t bin_len = 0;
    if (!logged_hex || strlen(logged_hex) != 64 ||
        sodium_hex2bin(committed, 32, logged_hex, 64, NULL, &bin_len, NULL) != 0 || bin_len != 32) {
        FAIL(a, "log_entry %llu: the entry has no valid object_sha256", ULL(e->index));
    } else if (memcmp(committed, sha, 32) != 0) {
        FAIL(a, "log_entry %llu: the entry's object_sha256 is %s but SHA-256 of log_entry.object is %s",
             ULL(e->index), logged_hex, hex);
        memcpy(sha, committed, 32);
    }
    json_decref(j);
}

static int keep_logged(db_audit *a, const store_log_entry *e, const uint8_t sha[32], int version) {
    if (a->nlog == a->caplog) {
        size_t cap = a->caplog ? 2 * a->caplog : 256;
        logged *n = realloc(a->log, cap * sizeof *n);
        if (!n) return tr_fail(&a->err, TR_ENOMEM, "", "out of memory");
        a->log = n;
        a->caplog = cap;
    }
    logged *l = &a->log[a->nlog];
    l->ref = strdup(e->ref ? e->ref : "");
    l->type = strdup(e->type ? e->type : "");
    if (!l->ref || !l->type) {
        free(l->ref);
        free(l->type);
        return tr_fail(&a->err, TR_ENOMEM, "", "out of memory");
    }
    l->index = e->index;
    l->at = e->at;
    l->version = version;
    memcpy(l->sha, sha, 32);
    l->row = false;
    a->nlog++;
    return TR_OK;
}

static int check_entry(const store_log_entry *e, void *ctx) {
    db_audit *a = ctx;
    if (e->index > a->next) entries_missing(a, a->next, e->index);
    a->next = e->index + 1;
    uint8_t sha[32];
    int version = CENTRE_LOG_VERSION;
    check_entry_fields(a, e, sha, &version);
    if (!a->broken) {
        tlog_hash leaf;
        tlog_hash_leaf(e->entry, e->entry_len, &leaf);
        if (tree_add(a, &leaf)) return a->err.code;
    }
    return keep_logged(a, e, sha, version);
}

/* Pass 1: entries, leaf hashes, the rebuilt tree. */
static int audit_entries(db_audit *a) {
    int rc = store_audit_log_entries(a->db, check_entry, a, &a->err);
    if (rc) return rc;
    /* Entries after the last row: those a checkpoint signed, then those whose leaf hash
     * log_node holds (a stray node far beyond is reported by audit_nodes as extra). */
    int64_t signed_size = verify__n(a, AUDIT_N_SIGNED_SIZE);
    uint64_t end = a->next;
    if (signed_size > 0 && (uint64_t)signed_size > end) end = (uint64_t)signed_size;
    if (end > a->next) entries_missing(a, a->next, end);
    while (entry_missing(a, end, false))
        end++;
    fprintf(a->r->out, "log_entry: %llu entries, tree rebuilt to size %llu\n", ULL(a->nlog),
            ULL(a->tree.size));
    return TR_OK;
}

/* Reports nodes [from, to) of level as missing from log_node. */
static void nodes_missing(db_audit *a, int level, uint64_t from, uint64_t to) {
    if (to == from + 1)
        FAIL(a, "log_node (%d, %llu): missing", level, ULL(from));
    else if (to > from)
        FAIL(a, "log_node (%d, %llu) to (%d, %llu): missing (%llu nodes)", level, ULL(from), level,
             ULL(to - 1), ULL(to - from));
}

/* A run of log_node rows of one level that the rebuilt tree does not have. */
typedef struct node_run {
    int level;
    uint64_t from, to; /* [from, to); empty when from == to */
} node_run;

static void extra_flush(db_audit *a, node_run *x) {
    uint64_t n = x->to - x->from;
    char where[96];
    if (n == 0) return;
    if (n == 1)
        snprintf(where, sizeof where, "log_node (%d, %llu)", x->level, ULL(x->from));
    else
        snprintf(where, sizeof where, "log_node (%d, %llu) to (%d, %llu)", x->level, ULL(x->from), x->level,
                 ULL(x->to - 1));
    if (a->broken)
        fprintf(a->r->out, "%s: not checked: the tree rebuilt from log_entry stops at size %llu\n", where,
                ULL(a->tree.size));
    else
        FAIL(a, "%s: extra: the tree rebuilt from log_entry (size %llu) has no such node%s", where,
             ULL(a->tree.size), n == 1 ? "" : "s");
    x->from = x->to = 0;
}

static void extra_add(db_audit *a, node_run *x, int level, uint64_t idx) {
    if (x->to == x->from || x->level != level || x->to != idx) {
        extra_flush(a, x);
        *x = (node_run){level, idx, idx};
    }
    x->to = idx + 1;
}

static void check_node(db_audit *a, int level, uint64_t idx, const void *blob, int len) {
    tlog_reader r = tlog_memstore_reader(a->mem);
    tlog_node node = {level, idx};
    tlog_hash want;
    if (r.read(r.ctx, &node, 1, &want, &a->err)) return;
    if (len != TLOG_HASH_SIZE)
        FAIL(a, "log_node (%d, %llu): malformed hash (%d bytes)", level, ULL(idx), len);
    else if (memcmp(blob, want.b, TLOG_HASH_SIZE) != 0 && level == 0)
        FAIL(a, "log_node (0, %llu): the leaf hash is not SHA-256(0x00 || log_entry %llu)", ULL(idx),
             ULL(idx));
    else if (memcmp(blob, want.b, TLOG_HASH_SIZE) != 0)
        FAIL(a, "log_node (%d, %llu): differs from the tree rebuilt from log_entry", level, ULL(idx));
}

/* Pass 2: log_node equals the rebuilt tree. Rows come sorted by (level, idx); expect is
 * the next index a level should have. */
typedef struct node_pass {
    int level;
    uint64_t expect, rows;
    node_run extra;
} node_pass;

static int node_row(db_audit *a, const store_audit_row *r) {
    node_pass *p = a->pass;
    int l = (int)store_audit_int(r, 0);
    int64_t i = store_audit_int(r, 1);
    size_t len = 0;
    const void *hash = store_audit_blob(r, 2, &len);
    p->rows++;
    if (l < 0 || l > 62 || i < 0) {
        FAIL(a, "log_node (%d, %lld): extra: no tree has such a node", l, (long long)i);
        return TR_OK;
    }
    for (; p->level < l; p->level++, p->expect = 0)
        nodes_missing(a, p->level, p->expect, tlog_memstore_count(a->mem, p->level));
    uint64_t have = tlog_memstore_count(a->mem, l);
    if ((uint64_t)i >= have) {
        extra_add(a, &p->extra, l, (uint64_t)i);
        return TR_OK;
    }
    nodes_missing(a, l, p->expect, (uint64_t)i);
    p->expect = (uint64_t)i + 1;
    check_node(a, l, (uint64_t)i, hash, (int)len);
    return TR_OK;
}

static int audit_nodes(db_audit *a) {
    node_pass p = {0, 0, 0, {0, 0, 0}};
    a->pass = &p;
    int rc = verify__scan(a, AUDIT_LOG_NODES, node_row, NULL);
    a->pass = NULL;
    if (rc) return rc;
    extra_flush(a, &p.extra);
    for (; p.level < 63; p.level++, p.expect = 0)
        nodes_missing(a, p.level, p.expect, tlog_memstore_count(a->mem, p.level));
    fprintf(a->r->out, "log_node: %llu nodes checked against the rebuilt tree\n", ULL(p.rows));
    return TR_OK;
}

/* Parses a checkpoint row and checks its signature; false when it cannot be parsed. */
static bool open_checkpoint(db_audit *a, const checkpoint_row *c, tlog_checkpoint *cp) {
    size_t len = strlen(c->note);
    tr_err e = {0};
    tlog_note note;
    if (tlog_note_parse(c->note, len, &note, &e) || tlog_checkpoint_parse(c->note, note.text_len, cp, &e)) {
        FAIL(a, "log_checkpoint (size %llu): not a signed checkpoint: %s", ULL(c->size), e.msg);
        return false;
    }
    tlog_checkpoint signed_cp;
    if (a->have_key && tlog_checkpoint_open(c->note, len, &a->key, 1, NULL, &signed_cp, &e) != TR_OK)
        FAIL(a, "log_checkpoint (size %llu): the signature does not verify with the verifier key: %s",
             ULL(c->size), e.msg);
    return true;
}

static void check_checkpoint(db_audit *a, const checkpoint_row *c, const tlog_checkpoint *cp,
                             const tlog_checkpoint *prev) {
    char b1[TLOG_HASH_B64_SIZE], b2[TLOG_HASH_B64_SIZE], o1[96], o2[96];
    tlog_reader r = tlog_memstore_reader(a->mem);
    tr_err e = {0};
    if (cp->size != c->size)
        FAIL(a, "log_checkpoint (size %llu): the signed note says size %llu", ULL(c->size), ULL(cp->size));
    if (!c->root_ok || !tlog_hash_equal(&cp->root, &c->root))
        FAIL(a, "log_checkpoint (size %llu): the root column is not the signed root", ULL(c->size));
    if (a->origin && strcmp(a->origin, cp->origin) != 0)
        FAIL(a, "log_checkpoint (size %llu): origin '%s' is not the log's ('%s')", ULL(c->size),
             verify__clip(cp->origin, o1), verify__clip(a->origin, o2));
    if (cp->size > a->tree.size) {
        FAIL(a, "log_checkpoint (size %llu): signs %llu entries but the tree rebuilt from log_entry has %llu",
             ULL(c->size), ULL(cp->size), ULL(a->tree.size));
        return;
    }
    tlog_hash root, proof[TLOG_PROOF_MAX];
    if (tlog_root_at(&r, cp->size, &root, &e) == TR_OK && !tlog_hash_equal(&root, &cp->root)) {
        tlog_hash_to_base64(&cp->root, b1);
        tlog_hash_to_base64(&root, b2);
        FAIL(a,
             "log_checkpoint (size %llu): its root %s is not the root of the tree rebuilt from log_entry at "
             "this "
             "size (%s)",
             ULL(c->size), b1, b2);
    }
    size_t n = 0;
    if (prev && (tlog_prove_consistency(&r, prev->size, cp->size, proof, &n, &e) ||
                 tlog_verify_consistency(prev->size, cp->size, &prev->root, &cp->root, proof, n, &e)))
        FAIL(a,
             "log_checkpoint (size %llu): not shown consistent with the earlier checkpoint of size %llu: the "
             "consistency proof computed from the tree rebuilt from log_entry does not verify (%s)",
             ULL(c->size), ULL(prev->size), e.msg);
}

/* The checkpoint's "prev" extension line (centre_log_checkpoint): the size of the
 * checkpoint signed before it, or "none". Once a checkpoint has one, every later one
 * must, each naming the row just before it, so a deleted checkpoint is seen (but the
 * latest: a checkpoint kept outside, --checkpoint, sees that). *chained: one was seen. */
static void check_prev(db_audit *a, const checkpoint_row *c, const tlog_checkpoint *cp,
                       const tlog_checkpoint *prev, bool *chained) {
    const char *line = NULL;
    for (const char *p = cp->ext; p && p < cp->ext + cp->ext_len; p = strchr(p, '\n') + 1)
        if (strncmp(p, "prev ", 5) == 0) line = p + 5;
    if (!line) {
        if (*chained)
            FAIL(a, "log_checkpoint (size %llu): no prev line, though earlier checkpoints have one",
                 ULL(c->size));
        return;
    }
    *chained = true;
    char want[32];
    snprintf(want, sizeof want, "%llu", prev ? ULL(prev->size) : 0ULL);
    if (!prev) snprintf(want, sizeof want, "none");
    size_t n = strlen(want);
    int len = (int)(strchr(line, '\n') - line);
    if (strncmp(line, want, n) != 0 || line[n] != '\n')
        FAIL(a,
             "log_checkpoint (size %llu): signed after the checkpoint of size %.*s, which the database does "
             "not "
             "hold (the one before it here: %s): checkpoints were deleted",
             ULL(c->size), len, line, want);
}

/* Pass 3: every stored checkpoint. */
typedef struct checkpoint_pass {
    tlog_checkpoint prev, cp;
    bool have_prev, chained;
    uint64_t count;
} checkpoint_pass;

static int checkpoint_of_row(db_audit *a, const store_audit_row *r) {
    checkpoint_pass *p = a->pass;
    size_t n = 0;
    const void *root = store_audit_blob(r, 1, &n);
    checkpoint_row c = {.size = (uint64_t)store_audit_int(r, 0),
                        .root_ok = root && n == TLOG_HASH_SIZE,
                        .note = (char *)store_audit_text(r, 2)};
    if (c.root_ok) memcpy(c.root.b, root, TLOG_HASH_SIZE);
    p->count++;
    if (!c.note) {
        FAIL(a, "log_checkpoint (size %llu): no note", ULL(c.size));
        return TR_OK;
    }
    if (!open_checkpoint(a, &c, &p->cp)) return TR_OK;
    check_checkpoint(a, &c, &p->cp, p->have_prev ? &p->prev : NULL);
    check_prev(a, &c, &p->cp, p->have_prev ? &p->prev : NULL, &p->chained);
    p->prev = p->cp;
    p->prev.ext = NULL;
    p->have_prev = true;
    return TR_OK;
}

static int audit_checkpoints(db_audit *a) {
    checkpoint_pass p = {.have_prev = false};
    a->pass = &p;
    int rc = verify__scan(a, AUDIT_CHECKPOINTS, checkpoint_of_row, NULL);
    a->pass = NULL;
    if (rc) return rc;
    if (p.count && !a->have_key)
        FAIL(a,
             "log_meta: no verifier key recorded and no --key given: checkpoint signatures were not checked");
    else if (p.count && !a->vkey_recorded)
        FAIL(a, "log_meta: no verifier key recorded, though checkpoints were signed");
    if (p.count && !a->origin) FAIL(a, "log_meta: no origin recorded, though checkpoints were signed");
    fprintf(a->r->out, "log_checkpoint: %llu checkpoints checked", ULL(p.count));
    if (p.have_prev) fprintf(a->r->out, ", the latest of size %llu", ULL(p.prev.size));
    fputc('\n', a->r->out);
    return TR_OK;
}

/* ---- keys ---- */

/* Chooses the verifier key: --key, else log_meta's; says which, and reports a mismatch. */
static int choose_key(db_audit *a, const char *given) {
    char *meta = NULL;
    int rc = store_audit_meta(a->db, "vkey", &meta, &a->err);
    if (rc == TR_OK) rc = store_audit_meta(a->db, "origin", &a->origin, &a->err);
    if (rc) {
        free(meta);
        return rc;
    }
    a->vkey_recorded = meta != NULL;
    char b1[96];
    if (given) {
        if ((rc = verify__key(given, &a->key)) != VERIFY_OK) {
            free(meta);
            return -1;
        }
        a->have_key = true;
        fprintf(a->r->out, "verifier key: %s (from --key)\n", given);
        if (meta && strcmp(meta, given) != 0)
            FAIL(a, "log_meta vkey: the database records the verifier key %s, not the --key given",
                 verify__clip(meta, b1));
    } else if (meta) {
        tr_err e = {0};
        if (tlog_verifier_parse(meta, &a->key, &e) == TR_OK) {
            a->have_key = true;
            fprintf(a->r->out,
                    "verifier key: %s (from log_meta: pass --key with the key you trust to check it)\n",
                    meta);
        } else {
            FAIL(a, "log_meta vkey: not a verifier key: %s", e.msg);
        }
    }
    free(meta);
    return TR_OK;
}

static void audit_free(db_audit *a) {
    for (size_t k = 0; k < a->nlog; k++) {
        free(a->log[k].ref);
        free(a->log[k].type);
    }
    free(a->log);
    for (size_t i = 0; i < a->nkeys; i++)
        free(a->keys[i].party);
    TR_FREE(a->keys, a->origin, a->rows, a->boxes);
    tlog_memstore_free(a->mem);
    verify__close(a);
    free(a->saved_note);
}

/* The checkpoint to check the log against: --checkpoint, else the one the server keeps
 * beside its key when there is one (DB.key.checkpoint beside a SQLite file, NAME.key.checkpoint
 * in the current directory for a PostgreSQL database: centre_key_path, docs/operations.md).
 * The log must extend it, and the database must hold it: the server stores every checkpoint
 * it signs. */
static void read_saved(db_audit *a, const verify_options *o) {
    const char *path = o->checkpoint;
    char key[sizeof a->kept - sizeof CENTRE_KEPT_SUFFIX];
    centre_key_path(o->db, key, sizeof key);
    snprintf(a->kept, sizeof a->kept, "%s%s", key, CENTRE_KEPT_SUFFIX);
    if (!path && access(a->kept, R_OK) == 0) path = a->kept;
    if (!path) return;
    a->saved_path = path;
    verify__read_file(path, 65536, &a->saved_note, &a->saved_len, &a->saved_err);
}

static void audit_saved(db_audit *a) {
    const char *path = a->saved_path;
    if (!path) return;
    if (path == a->kept) fprintf(a->r->out, "checkpoint kept by the server: %s\n", path);
    if (!a->saved_note) {
        FAIL(a, "saved checkpoint %s: %s", path, a->saved_err.msg);
        return;
    }
    if (!a->have_key) {
        FAIL(a, "saved checkpoint %s: not checked: no verifier key", path);
        return;
    }
    tlog_reader r = tlog_memstore_reader(a->mem);
    tlog_hash root;
    tlog_checkpoint saved;
    bool opened;
    tlog_tree_root(&a->tree, &root);
    verify__saved_note(a->r, path, a->saved_note, a->saved_len, &a->key, &r, a->tree.size, &root, &saved,
                       &opened);
    const store_audit_row *held = NULL;
    tr_err e = {0};
    if (opened && saved.size <= a->tree.size &&
        store_audit_get(a->db, AUDIT_GET_CHECKPOINT, (int64_t)saved.size, &held, &e))
        FAIL(a, "saved checkpoint %s (size %llu): %s", path, ULL(saved.size), e.msg);
    else if (opened && saved.size <= a->tree.size && !held)
        FAIL(a,
             "saved checkpoint %s (size %llu): the database holds no checkpoint of this size, though the "
             "server "
             "signed it: checkpoints were deleted",
             path, ULL(saved.size));
}

int verify_db(const verify_options *o) {
    verify__report rep = {o->out, 0};
    db_audit a = {.r = &rep, .o = o};
    if (sodium_init() < 0) return VERIFY_FAIL;
    if (o->nwitnesses && verify__witness_keys(o, a.wkeys)) return VERIFY_USAGE;
    bool pg = db_uri_is_pg(o->db);
    if (!pg && access(o->db, R_OK) != 0) {
        fprintf(stderr, "truce verify: cannot read %s: %s\n", o->db, strerror(errno));
        return VERIFY_FAIL;
    }
    char shown[1024];
    db_uri_redact(o->db, shown, sizeof shown);
    fprintf(o->out, "database: %s\n", pg ? shown : o->db);
    tlog_tree_init(&a.tree);
    read_saved(&a, o); /* before the snapshot: what the server kept is committed in it */
    int rc = verify__open(&a, o->db);
    if (rc == TR_OK && !(a.mem = tlog_memstore_new())) rc = tr_fail(&a.err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) rc = choose_key(&a, o->key);
    if (rc < 0) {
        audit_free(&a);
        return VERIFY_USAGE;
    }
    if (rc == TR_OK) rc = audit_entries(&a);
    if (rc == TR_OK) rc = audit_nodes(&a);
    if (rc == TR_OK) rc = audit_checkpoints(&a);
    if (rc == TR_OK) audit_saved(&a);
    if (rc == TR_OK) rc = verify__audit_state(&a);
    if (rc) FAIL(&a, "the audit stopped: %s%s%s", a.err.field, a.err.field[0] ? ": " : "", a.err.msg);
    audit_free(&a);
    return verify__finish(&rep, "the database");
}
