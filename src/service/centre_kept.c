/*
 * centre_kept.c — the checkpoint a server keeps outside its database (issue 11,
 * docs/operations.md "Rollback").
 *
 * Every checkpoint `truce serve` signs is also written, after its transaction commits,
 * to the file beside the log's key (KEY.checkpoint): the signed note of the largest
 * checkpoint the server ever signed, since the tree only grows. Written durably: a
 * temporary file, fsync, rename over the old one, fsync of the folder.
 *
 * Before a server writes anything it compares the database's log with that checkpoint
 * (centre_kept_check): the log must extend it (have at least its size, and the same root
 * at that size). A database restored from an older copy, or whose history was rewritten,
 * is refused, saying which; the operator who means it starts with --accept-rollback, and
 * the server logs that (log.rollback, centre_kept_accept) before anything else.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "service/centre_int.h"
#include "service/centre_objects.h"
#include "store/db.h"

/* The database name of a PostgreSQL URI ("postgresql://…/NAME?…" or "dbname=NAME"),
 * reduced to [A-Za-z0-9_.-]; "truce" when it names none. */
static void pg_db_name(const char *uri, char *out, size_t n) {
    const char *p = strstr(uri, "://"), *kv = strstr(uri, "dbname=");
    p = p ? strchr(p + 3, '/') : NULL;
    const char *name = kv ? kv + 7 : p ? p + 1 : "";
    size_t k = 0;
    for (; *name && !strchr("?& ", *name) && k + 1 < n; name++)
        out[k++] =
            strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-", *name) ? *name : '_';
    out[k] = '\0';
    if (!k || out[0] == '.') snprintf(out, n, "truce");
}

void centre_key_path(const char *db_path, char *out, size_t n) {
    char name[128];
    if (!db_uri_is_pg(db_path)) {
        snprintf(out, n, "%s.key", db_path);
        return;
    }
    pg_db_name(db_path, name, sizeof name);
    snprintf(out, n, "%s.key", name);
}

static int sync_folder(const char *path) {
    char copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int centre_kept_write(const char *path, const char *note, tr_err *err) {
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return tr_fail(err, TR_EIO, "--log-key", "%s: path too long", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return tr_fail(err, TR_EIO, "--log-key", "cannot write %s: %s", tmp, strerror(errno));
    size_t n = strlen(note);
    bool ok = write(fd, note, n) == (ssize_t)n && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0 || sync_folder(path) != 0) {
        int e = errno;
        unlink(tmp);
        return tr_fail(err, TR_EIO, "--log-key", "cannot write the kept checkpoint %s: %s", path,
                       strerror(e));
    }
    return TR_OK;
}

/* Reads and parses the kept checkpoint; *note NULL when there is no file. */
static int read_kept(const char *path, const char *vkey, char **note, tlog_checkpoint *cp, tr_err *err) {
    *note = NULL;
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? TR_OK
                               : tr_fail(err, TR_EIO, "", "cannot read %s: %s", path, strerror(errno));
    char buf[8192];
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    tlog_verifier v;
    tlog_note nt;
    tr_err e = {0};
    int rc = vkey && tlog_verifier_parse(vkey, &v, &e) == TR_OK
                 ? tlog_checkpoint_open(buf, len, &v, 1, NULL, cp, &e)
                 : (tlog_note_parse(buf, len, &nt, &e) ? TR_EINVAL
                                                       : tlog_checkpoint_parse(buf, nt.text_len, cp, &e));
    if (rc)
        return tr_fail(err, TR_ECONFLICT, "",
                       "%s is not a checkpoint signed by this database's log key (%s): it was kept for "
                       "another log, or damaged",
                       path, e.msg);
    cp->ext = NULL;
    *note = strdup(buf);
    return *note ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
}

/* Compares the log of s with the kept checkpoint cp (kept in path). */
static int compare(store *s, const char *path, const tlog_checkpoint *cp, tr_err *err) {
    uint64_t n;
    int rc = store_begin(s, err);
    if (rc) return rc;
    const tlog_tree *t = store_log_tree(s);
    n = t->size;
    tlog_hash root;
    tlog_reader r = store_log_reader(s);
    tr_err e = {0};
    int got = n >= cp->size ? tlog_root_at(&r, cp->size, &root, &e) : TR_ENOTFOUND;
    bool same = got == TR_OK && tlog_hash_equal(&root, &cp->root);
    store_rollback(s);
    if (tr_code_http_status(got) >= 500) { /* the store failed (or cannot serve now): not a rollback */
        if (err) *err = e;
        return got;
    }
    if (n < cp->size)
        return tr_fail(err, TR_ECONFLICT, "",
                       "the database's log has %llu entries, but this server signed a checkpoint of %llu "
                       "entries (kept in %s): the database is older than what the server has served (a copy "
                       "restored from a backup?)",
                       (unsigned long long)n, (unsigned long long)cp->size, path);
    if (!same)
        return tr_fail(err, TR_ECONFLICT, "",
                       "the first %llu entries of the database's log are not those of the checkpoint this "
                       "server signed (kept in %s): the database's history differs from what the server has "
                       "served (replaced or rewritten)",
                       (unsigned long long)cp->size, path);
    return TR_OK;
}

int centre_kept_check(const char *db_path, const char *path, char **kept, tr_err *err) {
    store *s = NULL;
    char *vkey = NULL;
    tlog_checkpoint cp;
    *kept = NULL;
    int rc = store_open(db_path, &s, err);
    if (rc == TR_OK) rc = store_log_meta_get(s, "vkey", &vkey, err);
    if (rc == TR_OK) rc = read_kept(path, vkey, kept, &cp, err);
    if (rc == TR_OK && *kept) rc = compare(s, path, &cp, err);
    if (rc == TR_ECONFLICT && !*kept) {
        char *copy = strdup(""); /* an unreadable kept file: nothing to record but the reason */
        *kept = copy;
    }
    free(vkey);
    store_close(s);
    if (rc != TR_ECONFLICT) { /* kept only to record an accepted rollback */
        free(*kept);
        *kept = NULL;
    }
    return rc;
}

int centre_kept_accept(centre *c, const char *kept, const char *reason, tr_err *err) {
    int rc = store_begin(c->store, err);
    if (rc) return rc;
    uint64_t n = store_log_tree(c->store)->size;
    char ref[CENTRE_REF_MAX];
    centre_ref_rollback(n, ref);
    json_t *o = centre_object_rollback(kept, n, reason);
    rc = o ? centre__log(c, CENTRE_OPERATOR, NULL, TR_ENTRY(LOG_ROLLBACK), ref, o, NULL, err)
           : tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(o);
    if (rc) {
        store_rollback(c->store);
        return rc;
    }
    return store_commit(c->store, err);
}
