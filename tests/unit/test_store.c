/*
 * test_store.c — unit tests of the SQLite store (src/store) and of the centre
 * (src/service) on top of it: opening and migrating, parties and tokens, actors,
 * area versions and their effective_to, list filters and pages, rollback, agreements
 * with provisions; then the centre reloading its engine from the file, API tokens,
 * and importing the demo scenario (all or nothing).
 *
 * Every test gets a fresh database file made with mkstemp in /tmp and removed
 * afterwards (also after a failure) together with its -wal and -shm files and the
 * scenario files written beside it.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "base/timeutil.h"
#include "domain/domain.h"
#include "engines/attribution.h"
#include "service/centre.h"
#include "service/centre_lists.h"
#include "store/migrations.h"
#include "store/store.h"

/* ---- helpers ---- */

static const geo_limits LIM = {GEO_DEFAULT_MAX_VERTICES, GEO_DEFAULT_MAX_WIDTH_M};

typedef struct fixture {
    char path[64];
} fixture;

/* Removes a database file and its companions. */
static void remove_db(const char *path) {
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
        char p[192];
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        unlink(p);
    }
}

/* Removes everything a test may have written beside the fixture's database. */
static void remove_all(const char *path) {
    static const char *const extra[] = {"-junk", "-scenario.json", "-regions.json"};
    remove_db(path);
    for (size_t i = 0; i < sizeof extra / sizeof *extra; i++) {
        char p[192];
        snprintf(p, sizeof p, "%s%s", path, extra[i]);
        remove_db(p);
    }
}

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    if (!f) return -1;
    snprintf(f->path, sizeof f->path, "/tmp/truce-test-store-XXXXXX");
    int fd = mkstemp(f->path);
    if (fd < 0) {
        free(f);
        return -1;
    }
    close(fd);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    remove_all(f->path);
    free(f);
    return 0;
}

static int64_t T(const char *s) {
    int64_t t;
    if (tr_time_parse(s, &t)) fail_msg("bad test time %s", s);
    return t;
}

static json_t *parse(const char *text) {
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (j == NULL) fail_msg("bad test JSON (%s): %s", je.text, text);
    return j;
}

static tr_party party(const char *name, tr_role role) {
    tr_party p = {.id = 1, .role = role};
    snprintf(p.name, sizeof p.name, "%s", name);
    return p;
}

static store *open_store(const fixture *f) {
    store *s = NULL;
    tr_err err = {0};
    if (store_open(f->path, &s, &err) != TR_OK) fail_msg("store_open %s: %s", f->path, err.msg);
    assert_non_null(s);
    return s;
}

static void begin(store *s) {
    tr_err err = {0};
    if (store_begin(s, &err)) fail_msg("store_begin: %s", err.msg);
}

static void commit(store *s) {
    tr_err err = {0};
    if (store_commit(s, &err)) fail_msg("store_commit: %s", err.msg);
}

static char *rect(char *buf, size_t n, double x0, double y0, double x1, double y1) {
    snprintf(buf, n,
             "{\"type\":\"Polygon\",\"coordinates\":[[[%.17g,%.17g],[%.17g,%.17g],[%.17g,%.17g],[%.17g,%.17g],[%.17g,%.17g]]]}",
             x0, y0, x1, y0, x1, y1, x0, y1, x0, y0);
    return buf;
}

/* A parsed area version ready for the store (created_by and created_at set). */
static void make_area(tr_area *a, const char *created_by, const char *geometry, const char *props) {
    size_t n = strlen(geometry) + strlen(props) + 64;
    char *text = malloc(n);
    assert_non_null(text);
    snprintf(text, n, "{\"type\":\"Feature\",\"geometry\":%s,\"properties\":{%s}}", geometry, props);
    json_t *j = parse(text);
    free(text);
    tr_err err = {0};
    if (tr_area_parse(j, 0, &LIM, a, &err) != TR_OK) fail_msg("test area rejected: %s: %s", err.field, err.msg);
    json_decref(j);
    a->created_by = strdup(created_by);
    a->created_at = T("2016-01-01T12:00:00Z");
}

/* Inserts a new area in its own transaction; returns its id. */
static int64_t insert_area(store *s, const char *created_by, const char *geometry, const char *props) {
    tr_area a;
    make_area(&a, created_by, geometry, props);
    tr_err err = {0};
    begin(s);
    if (store_area_insert(s, &a, &err)) fail_msg("store_area_insert: %s", err.msg);
    commit(s);
    int64_t id = a.id;
    assert_true(id > 0);
    assert_int_equal(a.version, 1);
    tr_area_clear(&a);
    return id;
}

/* Adds a version in its own transaction; returns the store's code (rolled back unless TR_OK). */
static int add_version(store *s, int64_t id, int expect, const char *props, tr_err *err) {
    char g[512];
    tr_area a;
    make_area(&a, "admin", rect(g, sizeof g, 36, 36, 36.2, 36.2), props);
    a.id = id;
    begin(s);
    int rc = store_area_add_version(s, &a, expect, err);
    if (rc == TR_OK) {
        commit(s);
        assert_int_equal(a.effective_to, a.valid_to);
    } else {
        store_rollback(s);
    }
    tr_area_clear(&a);
    return rc;
}

/* ---- opening and migrations ---- */

static int count_rows(const char *path, const char *sql) {
    sqlite3 *db;
    sqlite3_stmt *st;
    int n = -1;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

static void test_open_and_migrate(void **state) {
    fixture *f = *state;
    store *s = open_store(f);
    int v = store_schema_version(s);
    assert_true(v >= 1);
    tr_err err = {0};
    int64_t id = 0;
    begin(s);
    assert_int_equal(store_party_insert(s, "admin", ROLE_ADMIN, NULL, "hash-admin", 100, &id, &err), TR_OK);
    commit(s);
    store_close(s);
    int nmig = 0; /* the numbers are assigned per module, so they need not be contiguous */
    while (store_migrations[nmig].version) nmig++;
    assert_int_equal(count_rows(f->path, "SELECT count(*) FROM schema_version"), nmig);
    assert_int_equal(count_rows(f->path, "SELECT max(version) FROM schema_version"), v);

    /* Reopening applies nothing new and keeps the data. */
    s = open_store(f);
    assert_int_equal(store_schema_version(s), v);
    tr_party p;
    assert_int_equal(store_party_get(s, "admin", &p, &err), TR_OK);
    assert_int_equal(p.id, id);
    store_close(s);
    s = open_store(f);
    assert_int_equal(store_schema_version(s), v);
    store_close(s);
    assert_int_equal(count_rows(f->path, "SELECT count(*) FROM schema_version"), nmig);
    /* WAL mode is persistent in the file. */
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);

    /* A directory that does not exist, and a file that is not a database. */
    memset(&err, 0, sizeof err);
    s = (store *)1;
    assert_int_equal(store_open("/nonexistent-truce-dir/x.db", &s, &err), TR_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent-truce-dir/x.db"));
    char junk[128];
    snprintf(junk, sizeof junk, "%s-junk", f->path);
    FILE *fp = fopen(junk, "w");
    assert_non_null(fp);
    for (int i = 0; i < 200; i++) fputs("this is not an SQLite database file\n", fp);
    fclose(fp);
    memset(&err, 0, sizeof err);
    assert_int_equal(store_open(junk, &s, &err), TR_EIO);
    assert_true(err.msg[0] != '\0');
    remove_db(junk);
}

/* ---- parties and actors ---- */

typedef struct party_seen {
    int n, stop_at; /* stop_at > 0: return 77 at that row */
    char first[TR_NAME_MAX + 1];
    bool last_revoked;
} party_seen;

static int see_party(const store_party_row *p, void *ctx) {
    party_seen *x = ctx;
    if (x->n++ == 0) snprintf(x->first, sizeof x->first, "%s", p->name);
    x->last_revoked = p->revoked && p->revoked_at == T("2017-01-01");
    return x->n == x->stop_at ? 77 : 0;
}

static void test_parties(void **state) {
    fixture *f = *state;
    store *s = open_store(f);
    tr_err err = {0};
    int64_t id_saa = 0, id_rus = 0, id = 0;
    begin(s);
    assert_int_equal(store_party_insert(s, "SAA", ROLE_BELLIGERENT, "Syrian Arab Army", "h-saa", T("2016-01-01"), &id_saa, &err), TR_OK);
    assert_int_equal(store_party_insert(s, "Russia", ROLE_GUARANTOR, NULL, "h-rus", T("2016-01-02"), &id_rus, &err), TR_OK);
    commit(s);
    assert_true(id_saa > 0 && id_rus > 0 && id_saa != id_rus);

    /* Duplicate name, duplicate token hash. */
    begin(s);
    memset(&err, 0, sizeof err);
    assert_int_equal(store_party_insert(s, "SAA", ROLE_OBSERVER, NULL, "h-other", 0, &id, &err), TR_ECONFLICT);
    assert_string_equal(err.field, "name");
    assert_int_equal(store_party_insert(s, "Turkey", ROLE_GUARANTOR, NULL, "h-saa", 0, &id, &err), TR_ECONFLICT);
    store_rollback(s);

    tr_party p;
    assert_int_equal(store_party_auth(s, "h-saa", &p, &err), TR_OK);
    assert_int_equal(p.id, id_saa);
    assert_string_equal(p.name, "SAA");
    assert_int_equal(p.role, ROLE_BELLIGERENT);
    assert_int_equal(store_party_auth(s, "h-rus", &p, &err), TR_OK);
    assert_string_equal(p.name, "Russia");
    assert_int_equal(p.role, ROLE_GUARANTOR);
    memset(&err, 0, sizeof err);
    assert_int_equal(store_party_auth(s, "h-nobody", &p, &err), TR_EAUTH);
    assert_int_equal(err.code, TR_EAUTH);
    assert_int_equal(store_party_auth(s, "", &p, &err), TR_EAUTH);
    assert_int_equal(store_party_get(s, "Russia", &p, &err), TR_OK);
    assert_int_equal(p.id, id_rus);
    assert_int_equal(store_party_get(s, "russia", &p, &err), TR_ENOTFOUND);
    assert_int_equal(store_party_get(s, "Turkey", &p, &err), TR_ENOTFOUND); /* the conflicting insert left nothing */

    /* Revocation. */
    begin(s);
    assert_int_equal(store_party_revoke(s, "SAA", T("2017-01-01"), &err), TR_OK);
    commit(s);
    assert_int_equal(store_party_auth(s, "h-saa", &p, &err), TR_EAUTH);
    assert_int_equal(store_party_get(s, "SAA", &p, &err), TR_ENOTFOUND);
    assert_int_equal(store_party_auth(s, "h-rus", &p, &err), TR_OK);
    begin(s);
    assert_int_equal(store_party_revoke(s, "SAA", T("2017-01-02"), &err), TR_ENOTFOUND);
    assert_int_equal(store_party_revoke(s, "Nobody", T("2017-01-02"), &err), TR_ENOTFOUND);
    store_rollback(s);

    json_t *list = NULL;
    assert_int_equal(centre_party_list_json(s, &list, &err), TR_OK);
    assert_int_equal(json_array_size(list), 2);
    json_t *a = json_array_get(list, 0), *b = json_array_get(list, 1);
    assert_string_equal(json_string_value(json_object_get(a, "name")), "Russia"); /* by name */
    assert_string_equal(json_string_value(json_object_get(a, "role")), "guarantor");
    assert_true(json_is_null(json_object_get(a, "full_name")));
    assert_true(json_is_null(json_object_get(a, "revoked_at")));
    assert_string_equal(json_string_value(json_object_get(a, "created_at")), "2016-01-02T00:00:00Z");
    assert_string_equal(json_string_value(json_object_get(b, "name")), "SAA");
    assert_string_equal(json_string_value(json_object_get(b, "full_name")), "Syrian Arab Army");
    assert_string_equal(json_string_value(json_object_get(b, "revoked_at")), "2017-01-01T00:00:00Z");
    json_decref(list);
    /* The store itself hands rows, not JSON; fn's non-zero return stops the scan and is
     * returned as is (C3). */
    party_seen seen = {.stop_at = 1};
    assert_int_equal(store_party_list(s, see_party, &seen, &err), 77);
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.first, "Russia");
    seen = (party_seen){.stop_at = 0};
    assert_int_equal(store_party_list(s, see_party, &seen, &err), TR_OK);
    assert_int_equal(seen.n, 2);
    assert_true(seen.last_revoked);
    store_close(s);
}

static void test_actors(void **state) {
    fixture *f = *state;
    store *s = open_store(f);
    tr_err err = {0};
    bool exists = true;
    assert_int_equal(store_actor_exists(s, "ISIS", &exists, &err), TR_OK);
    assert_false(exists);
    begin(s);
    assert_int_equal(store_actor_insert(s, "Nusra", "Jabhat al-Nusra", 10, &err), TR_OK);
    assert_int_equal(store_actor_insert(s, "ISIS", "Islamic State", 10, &err), TR_OK);
    commit(s);
    /* A name is recorded once. */
    begin(s);
    memset(&err, 0, sizeof err);
    assert_int_equal(store_actor_insert(s, "ISIS", "Daesh", 20, &err), TR_ECONFLICT);
    assert_string_equal(err.field, "name");
    store_rollback(s);
    assert_int_equal(store_actor_exists(s, "ISIS", &exists, &err), TR_OK);
    assert_true(exists);
    assert_int_equal(store_actor_exists(s, "isis", &exists, &err), TR_OK);
    assert_false(exists);
    json_t *list = NULL;
    assert_int_equal(centre_actor_list_json(s, &list, &err), TR_OK);
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "name")), "ISIS");
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "full_name")), "Islamic State");
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "name")), "Nusra");
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "full_name")), "Jabhat al-Nusra");
    json_decref(list);
    store_close(s);
}

/* ---- area versions ---- */

static void test_area_versions(void **state) {
    fixture *f = *state;
    store *s = open_store(f);
    tr_err err = {0};
    char g[512];
    int64_t id = insert_area(s, "admin", rect(g, sizeof g, 36, 36, 36.1, 36.1),
                             "\"kind\":\"control\",\"name\":\"v1\",\"party\":\"SAA\",\"valid_from\":\"2016-01-01\","
                             "\"visibility\":[\"Russia\"],\"description\":\"first\"");
    tr_area a;
    assert_int_equal(store_area_get(s, id, 0, &a, &err), TR_OK);
    assert_int_equal(a.id, id);
    assert_int_equal(a.version, 1);
    assert_int_equal(a.kind, AREA_CONTROL);
    assert_string_equal(a.name, "v1");
    assert_string_equal(a.party, "SAA");
    assert_null(a.actor);
    assert_string_equal(a.description, "first");
    assert_int_equal(a.valid_from, T("2016-01-01"));
    assert_int_equal(a.valid_to, TR_TIME_OPEN);
    assert_int_equal(a.effective_to, TR_TIME_OPEN);
    assert_false(a.vis.is_public);
    assert_int_equal(a.vis.nparties, 1);
    assert_string_equal(a.vis.parties[0], "Russia");
    assert_string_equal(a.created_by, "admin");
    assert_int_equal(a.created_at, T("2016-01-01T12:00:00Z"));
    assert_null(a.shape);
    assert_true(a.area_m2 > 90e6 && a.area_m2 < 110e6);
    json_t *geom = json_loads(a.geometry, 0, NULL);
    assert_non_null(geom);
    assert_string_equal(json_string_value(json_object_get(geom, "type")), "Polygon");
    json_decref(geom);
    assert_int_equal(tr_area_build_shape(&a, &err), TR_OK);
    assert_true(geo_shape_covers(a.shape, 36.05, 36.05));
    tr_area_clear(&a);

    /* Version 2 at mid-year cuts version 1; version 3 ends. */
    assert_int_equal(add_version(s, id, 1, "\"kind\":\"control\",\"name\":\"v2\",\"party\":\"Opposition\","
                                          "\"valid_from\":\"2016-06-01\"", &err), TR_OK);
    int v = 0;
    assert_int_equal(store_area_current_version(s, id, &v, &err), TR_OK);
    assert_int_equal(v, 2);
    assert_int_equal(add_version(s, id, 0, "\"kind\":\"control\",\"name\":\"v3\",\"party\":\"SAA\","
                                          "\"valid_from\":\"2016-09-01\",\"valid_to\":\"2016-10-01\"", &err), TR_OK);
    /* A stale expect_version conflicts; an earlier start is invalid. */
    memset(&err, 0, sizeof err);
    assert_int_equal(add_version(s, id, 2, "\"kind\":\"control\",\"name\":\"v4\",\"party\":\"SAA\","
                                          "\"valid_from\":\"2016-11-01\"", &err), TR_ECONFLICT);
    assert_string_equal(err.field, "If-Match");
    memset(&err, 0, sizeof err);
    assert_int_equal(add_version(s, id, 3, "\"kind\":\"control\",\"name\":\"v4\",\"party\":\"SAA\","
                                          "\"valid_from\":\"2016-08-31T23:59:59Z\"", &err), TR_EINVAL);
    assert_string_equal(err.field, "properties.valid_from");
    assert_int_equal(add_version(s, id + 100, 0, "\"kind\":\"control\",\"name\":\"x\",\"party\":\"SAA\","
                                                "\"valid_from\":\"2017-01-01\"", &err), TR_ENOTFOUND);
    assert_int_equal(store_area_current_version(s, id, &v, &err), TR_OK);
    assert_int_equal(v, 3);
    assert_int_equal(store_area_current_version(s, id + 100, &v, &err), TR_ENOTFOUND);

    assert_int_equal(store_area_get(s, id, 1, &a, &err), TR_OK);
    assert_int_equal(a.version, 1);
    assert_int_equal(a.effective_to, T("2016-06-01"));
    assert_int_equal(a.valid_to, TR_TIME_OPEN);
    tr_area_clear(&a);
    assert_int_equal(store_area_get(s, id, 2, &a, &err), TR_OK);
    assert_string_equal(a.name, "v2");
    assert_int_equal(a.effective_to, T("2016-09-01"));
    tr_area_clear(&a);
    assert_int_equal(store_area_get(s, id, 0, &a, &err), TR_OK);
    assert_int_equal(a.version, 3);
    assert_string_equal(a.name, "v3");
    assert_int_equal(a.effective_to, T("2016-10-01"));
    assert_true(a.vis.is_public);
    tr_area_clear(&a);
    memset(&err, 0, sizeof err);
    assert_int_equal(store_area_get(s, id, 4, &a, &err), TR_ENOTFOUND);
    assert_string_equal(err.field, "version");
    assert_int_equal(store_area_get(s, id + 100, 0, &a, &err), TR_ENOTFOUND);
    assert_string_equal(err.field, "id");
    assert_int_equal(store_area_get(s, id + 100, 1, &a, &err), TR_ENOTFOUND);
    assert_string_equal(err.field, "id");

    /* A version starting where the current one starts is allowed and empties it. */
    assert_int_equal(add_version(s, id, 3, "\"kind\":\"control\",\"name\":\"v4\",\"party\":\"SAA\","
                                          "\"valid_from\":\"2016-09-01\"", &err), TR_OK);
    assert_int_equal(store_area_get(s, id, 3, &a, &err), TR_OK);
    assert_int_equal(a.effective_to, T("2016-09-01"));
    tr_area_clear(&a);

    /* History, oldest first. */
    json_t *h = json_array();
    assert_int_equal(centre_area_history_json(s, id, NULL, h, &err), TR_OK);
    assert_int_equal(json_array_size(h), 4);
    static const char *const names[] = {"v1", "v2", "v3", "v4"};
    static const char *const eff[] = {"2016-06-01T00:00:00Z", "2016-09-01T00:00:00Z", "2016-09-01T00:00:00Z", NULL};
    for (size_t i = 0; i < 4; i++) {
        json_t *p = json_object_get(json_array_get(h, i), "properties");
        assert_int_equal(json_integer_value(json_object_get(p, "version")), (json_int_t)i + 1);
        assert_int_equal(json_integer_value(json_object_get(p, "id")), id);
        assert_string_equal(json_string_value(json_object_get(p, "name")), names[i]);
        if (eff[i]) assert_string_equal(json_string_value(json_object_get(p, "effective_to")), eff[i]);
        else assert_true(json_is_null(json_object_get(p, "effective_to")));
    }
    json_decref(h);
    /* A viewer sees only the versions it may read: v1 was restricted to Russia. */
    tr_party turkey = party("Turkey", ROLE_GUARANTOR), russia = party("Russia", ROLE_GUARANTOR),
             saa = party("SAA", ROLE_BELLIGERENT), jmc = party("JMC", ROLE_MONITOR);
    const struct { const tr_party *p; size_t n; } seen[] = {{&turkey, 3}, {&russia, 4}, {&saa, 4}, {&jmc, 4}};
    for (size_t k = 0; k < sizeof seen / sizeof *seen; k++) {
        h = json_array();
        assert_int_equal(centre_area_history_json(s, id, seen[k].p, h, &err), TR_OK);
        if (json_array_size(h) != seen[k].n)
            fail_msg("%s sees %zu versions, expected %zu", seen[k].p->name, json_array_size(h), seen[k].n);
        json_t *p0 = json_object_get(json_array_get(h, 0), "properties");
        assert_int_equal(json_integer_value(json_object_get(p0, "version")), seen[k].n == 4 ? 1 : 2);
        json_decref(h);
    }
    h = json_array();
    assert_int_equal(centre_area_history_json(s, id + 100, NULL, h, &err), TR_OK);
    assert_int_equal(json_array_size(h), 0);
    json_decref(h);
    store_close(s);
}

/* store_area_each visits every version in (id, version) order with effective_to. */
typedef struct each_ctx {
    int n;
    int64_t ids[16];
    int versions[16];
    int64_t eff[16];
} each_ctx;

static int each_fn(tr_area *a, void *p) {
    each_ctx *c = p;
    if (c->n < 16) {
        c->ids[c->n] = a->id;
        c->versions[c->n] = a->version;
        c->eff[c->n] = a->effective_to;
    }
    c->n++;
    return TR_OK;
}

static int each_stop(tr_area *a, void *p) {
    (void)a;
    return ++*(int *)p == 2 ? TR_ECONFLICT : TR_OK;
}

static void test_area_each(void **state) {
    fixture *f = *state;
    store *s = open_store(f);
    tr_err err = {0};
    char g[512];
    int64_t a = insert_area(s, "admin", rect(g, sizeof g, 36, 36, 36.1, 36.1),
                            "\"kind\":\"region\",\"name\":\"r\",\"valid_from\":\"2011-01-01\"");
    int64_t b = insert_area(s, "admin", rect(g, sizeof g, 37, 36, 37.1, 36.1),
                            "\"kind\":\"control\",\"name\":\"c\",\"party\":\"SAA\",\"valid_from\":\"2016-01-01\"");
    assert_int_equal(add_version(s, a, 1, "\"kind\":\"region\",\"name\":\"r2\",\"valid_from\":\"2012-01-01\"", &err), TR_OK);
    each_ctx c = {0};
    assert_int_equal(store_area_each(s, each_fn, &c, &err), TR_OK);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.ids[0], a);
    assert_int_equal(c.versions[0], 1);
    assert_int_equal(c.eff[0], T("2012-01-01"));
    assert_int_equal(c.ids[1], a);
    assert_int_equal(c.versions[1], 2);
    assert_int_equal(c.ids[2], b);
    int calls = 0;
    assert_int_equal(store_area_each(s, each_stop, &calls, &err), TR_ECONFLICT);
    assert_int_equal(calls, 2);
    store_close(s);
}

/* ---- listing ---- */

typedef struct list_world {
    int64_t a1, a2, a3, a4, a5;
} list_world;

static list_world make_list_world(store *s) {
    list_world w;
    char g[512];
    tr_err err = {0};
    w.a1 = insert_area(s, "admin", rect(g, sizeof g, 36, 36, 36.1, 36.1),
                       "\"kind\":\"control\",\"name\":\"A1\",\"party\":\"SAA\",\"valid_from\":\"2016-01-01\"");
    w.a2 = insert_area(s, "admin", rect(g, sizeof g, 38, 34, 38.5, 34.5),
                       "\"kind\":\"designated\",\"name\":\"A2\",\"actor\":\"ISIS\",\"valid_from\":\"2016-01-01\","
                       "\"valid_to\":\"2017-01-01\",\"visibility\":[\"Russia\"]");
    w.a3 = insert_area(s, "SARC", rect(g, sizeof g, 36.05, 36.05, 36.06, 36.06),
                       "\"kind\":\"no_strike\",\"name\":\"A3\",\"party\":\"SARC\",\"valid_from\":\"2016-06-01\","
                       "\"visibility\":[]");
    w.a4 = insert_area(s, "admin", rect(g, sizeof g, 37, 36, 37.2, 36.2),
                       "\"kind\":\"control\",\"name\":\"A4 v1\",\"party\":\"Opposition\",\"valid_from\":\"2016-01-01\"");
    /* add_version uses its own square (36..36.2); A4's v2 moves there. */
    assert_int_equal(add_version(s, w.a4, 1, "\"kind\":\"control\",\"name\":\"A4 v2\",\"party\":\"Opposition\","
                                             "\"valid_from\":\"2016-12-01\"", &err), TR_OK);
    w.a5 = insert_area(s, "admin", rect(g, sizeof g, 35, 33, 40, 37),
                       "\"kind\":\"region\",\"name\":\"A5\",\"valid_from\":\"2011-01-01\"");
    assert_true(w.a1 < w.a2 && w.a2 < w.a3 && w.a3 < w.a4 && w.a4 < w.a5);
    return w;
}

/* Runs a list query and checks the names returned, in order, and the cursor. */
static void expect_list(store *s, const store_area_filter *flt, const char *want, int64_t want_next) {
    json_t *fs = json_array();
    int64_t next = -1;
    tr_err err = {0};
    if (centre_area_list_json(s, flt, fs, &next, &err)) fail_msg("store_area_list: %s", err.msg);
    char got[256] = "";
    size_t i;
    json_t *ft;
    json_array_foreach(fs, i, ft) {
        const char *name = json_string_value(json_object_get(json_object_get(ft, "properties"), "name"));
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? "," : "", name ? name : "?");
    }
    json_decref(fs);
    if (strcmp(got, want) != 0) fail_msg("listed [%s], expected [%s]", got, want);
    if (next != want_next) fail_msg("[%s]: next cursor %lld, expected %lld", got, (long long)next, (long long)want_next);
}

static store_area_filter all_filter(void) {
    return (store_area_filter){.kind = -1, .limit = 100};
}

static void test_area_list(void **state) {
    fixture *f = *state;
    store *s = open_store(f);
    list_world w = make_list_world(s);
    store_area_filter flt = all_filter();
    expect_list(s, &flt, "A1,A2,A3,A4 v2,A5", 0);

    flt.kind = AREA_CONTROL;
    expect_list(s, &flt, "A1,A4 v2", 0);
    flt.kind = AREA_REGION;
    expect_list(s, &flt, "A5", 0);
    flt.kind = AREA_CORRIDOR;
    expect_list(s, &flt, "", 0);

    flt = all_filter();
    flt.party = "SAA";
    expect_list(s, &flt, "A1", 0);
    flt.party = "ISIS"; /* an actor owner matches too */
    expect_list(s, &flt, "A2", 0);
    flt.party = "Nobody";
    expect_list(s, &flt, "", 0);

    flt = all_filter();
    flt.has_at = true;
    flt.at = T("2015-06-01");
    expect_list(s, &flt, "A5", 0);
    flt.at = T("2016-03-01");
    expect_list(s, &flt, "A1,A2,A4 v1,A5", 0);
    flt.at = T("2016-07-01");
    expect_list(s, &flt, "A1,A2,A3,A4 v1,A5", 0);
    flt.at = T("2016-12-01") - 1;
    expect_list(s, &flt, "A1,A2,A3,A4 v1,A5", 0);
    flt.at = T("2016-12-01");
    expect_list(s, &flt, "A1,A2,A3,A4 v2,A5", 0);
    flt.at = T("2017-01-01"); /* A2's valid_to: half-open */
    expect_list(s, &flt, "A1,A3,A4 v2,A5", 0);

    flt = all_filter();
    flt.has_bbox = true;
    flt.bbox = (geo_box){36.0, 36.0, 36.2, 36.2};
    expect_list(s, &flt, "A1,A3,A4 v2,A5", 0); /* A4's current version lies in 36..36.2 */
    flt.bbox = (geo_box){38.1, 34.1, 38.2, 34.2};
    expect_list(s, &flt, "A2,A5", 0);
    flt.bbox = (geo_box){0, 0, 1, 1};
    expect_list(s, &flt, "", 0);
    flt.bbox = (geo_box){37.05, 36.05, 37.1, 36.1}; /* A4's old footprint */
    expect_list(s, &flt, "A5", 0);
    flt.has_at = true;
    flt.at = T("2016-03-01");
    expect_list(s, &flt, "A4 v1,A5", 0);

    /* Visibility for viewers. */
    tr_party turkey = party("Turkey", ROLE_GUARANTOR), russia = party("Russia", ROLE_GUARANTOR),
             sarc = party("SARC", ROLE_HUMANITARIAN), jmc = party("JMC", ROLE_MONITOR), admin = party("admin", ROLE_ADMIN),
             saa = party("SAA", ROLE_BELLIGERENT);
    flt = all_filter();
    flt.viewer = &turkey;
    expect_list(s, &flt, "A1,A4 v2,A5", 0);
    flt.viewer = &russia;
    expect_list(s, &flt, "A1,A2,A4 v2,A5", 0);
    flt.viewer = &sarc;
    expect_list(s, &flt, "A1,A3,A4 v2,A5", 0);
    flt.viewer = &saa;
    expect_list(s, &flt, "A1,A4 v2,A5", 0);
    flt.viewer = &jmc;
    expect_list(s, &flt, "A1,A2,A3,A4 v2,A5", 0);
    flt.viewer = &admin;
    expect_list(s, &flt, "A1,A2,A3,A4 v2,A5", 0);
    /* Filters combine. */
    flt.viewer = &turkey;
    flt.kind = AREA_CONTROL;
    flt.has_at = true;
    flt.at = T("2016-03-01");
    expect_list(s, &flt, "A1,A4 v1", 0);

    /* Pages. */
    flt = all_filter();
    flt.limit = 2;
    expect_list(s, &flt, "A1,A2", w.a2);
    flt.after = w.a2;
    expect_list(s, &flt, "A3,A4 v2", w.a4);
    flt.after = w.a4;
    expect_list(s, &flt, "A5", 0);
    flt.after = w.a5;
    expect_list(s, &flt, "", 0);
    flt.after = 0;
    flt.limit = 5;
    expect_list(s, &flt, "A1,A2,A3,A4 v2,A5", 0);
    flt.limit = 4;
    expect_list(s, &flt, "A1,A2,A3,A4 v2", w.a4);
    flt.limit = 1;
    flt.viewer = &turkey;
    expect_list(s, &flt, "A1", w.a1);
    flt.after = w.a1;
    expect_list(s, &flt, "A4 v2", w.a4); /* hidden areas do not make empty pages */
    flt.after = w.a4;
    expect_list(s, &flt, "A5", 0);

    /* The creator of a restricted area sees it though neither owner nor listed. */
    char g[512];
    insert_area(s, "UN-OCHA", rect(g, sizeof g, 36.07, 36.07, 36.08, 36.08),
                "\"kind\":\"no_strike\",\"name\":\"A6\",\"party\":\"SARC\",\"valid_from\":\"2016-06-01\","
                "\"visibility\":[\"Iran\"]");
    tr_party ocha = party("UN-OCHA", ROLE_HUMANITARIAN), iran = party("Iran", ROLE_GUARANTOR);
    flt = all_filter();
    flt.kind = AREA_NO_STRIKE;
    flt.viewer = &ocha;
    expect_list(s, &flt, "A6", 0);
    flt.viewer = &sarc;
    expect_list(s, &flt, "A3,A6", 0);
    flt.viewer = &iran;
    expect_list(s, &flt, "A6", 0);
    flt.viewer = &turkey;
    expect_list(s, &flt, "", 0);
    (void)w.a3;
    store_close(s);
}

/* ---- transactions ---- */

static void test_rollback(void **state) {
    fixture *f = *state;
    store *s = open_store(f);
    tr_err err = {0};
    char g[512];
    begin(s);
    assert_int_equal(store_party_insert(s, "SAA", ROLE_BELLIGERENT, NULL, "h", 1, NULL, &err), TR_OK);
    assert_int_equal(store_actor_insert(s, "ISIS", NULL, 1, &err), TR_OK);
    tr_area a;
    make_area(&a, "admin", rect(g, sizeof g, 36, 36, 36.1, 36.1),
              "\"kind\":\"region\",\"name\":\"r\",\"valid_from\":\"2011-01-01\"");
    assert_int_equal(store_area_insert(s, &a, &err), TR_OK);
    int64_t id = a.id;
    tr_area_clear(&a);
    tr_agreement ag;
    json_t *j = parse("{\"name\":\"CoH\",\"start\":\"2016-01-01\",\"provisions\":[{\"text\":\"t\"}]}");
    assert_int_equal(tr_agreement_parse(j, &ag, &err), TR_OK);
    json_decref(j);
    ag.created_by = strdup("admin");
    assert_int_equal(store_agreement_insert(s, &ag, &err), TR_OK);
    int64_t ag_id = ag.id;
    tr_agreement_clear(&ag);
    /* Inside the transaction the writes are visible to it. */
    tr_party p;
    assert_int_equal(store_party_get(s, "SAA", &p, &err), TR_OK);
    store_rollback(s);

    assert_int_equal(store_party_get(s, "SAA", &p, &err), TR_ENOTFOUND);
    assert_int_equal(store_party_auth(s, "h", &p, &err), TR_EAUTH);
    bool exists = true;
    assert_int_equal(store_actor_exists(s, "ISIS", &exists, &err), TR_OK);
    assert_false(exists);
    assert_int_equal(store_area_get(s, id, 0, &a, &err), TR_ENOTFOUND);
    assert_int_equal(store_agreement_get(s, ag_id, &ag, &err), TR_ENOTFOUND);
    store_area_filter flt = all_filter();
    expect_list(s, &flt, "", 0);
    json_t *list;
    assert_int_equal(centre_party_list_json(s, &list, &err), TR_OK);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);

    /* The writer lock was released: the next transaction commits. */
    begin(s);
    assert_int_equal(store_party_insert(s, "SAA", ROLE_BELLIGERENT, NULL, "h", 1, NULL, &err), TR_OK);
    commit(s);
    store_close(s);
    /* And it is durable. */
    s = open_store(f);
    assert_int_equal(store_party_get(s, "SAA", &p, &err), TR_OK);
    store_close(s);
}

/* ---- agreements ---- */

typedef struct ag_ctx {
    int n;
    int64_t ids[4];
    size_t nprov[4];
} ag_ctx;

static int ag_each(tr_agreement *a, void *p) {
    ag_ctx *c = p;
    if (c->n < 4) {
        c->ids[c->n] = a->id;
        c->nprov[c->n] = a->nprovisions;
    }
    c->n++;
    return TR_OK;
}

static void test_agreements(void **state) {
    fixture *f = *state;
    store *s = open_store(f);
    tr_err err = {0};
    static const char *const body =
        "{\"name\":\"ISSG Cessation of Hostilities\",\"description\":\"nationwide\","
        "\"start\":\"2016-02-26T22:00:00Z\",\"end\":\"2016-09-12T16:00:00Z\","
        "\"parties\":[\"SAA\",\"Opposition\"],\"excluded_actors\":[\"ISIS\",\"Nusra\"],\"zones\":[3,4],"
        "\"visibility\":[\"Russia\"],\"provisions\":["
        "{\"text\":\"Notify acceptance\",\"responsible\":\"Opposition\",\"deadline\":\"2016-02-26T10:00:00Z\",\"status\":\"done\"},"
        "{\"text\":\"Cease attacks\",\"status\":\"disputed\"},{\"text\":\"Allow access\"}]}";
    tr_agreement a, b;
    json_t *j = parse(body);
    assert_int_equal(tr_agreement_parse(j, &a, &err), TR_OK);
    json_decref(j);
    a.created_by = strdup("admin");
    a.created_at = T("2016-02-20");
    begin(s);
    assert_int_equal(store_agreement_insert(s, &a, &err), TR_OK);
    commit(s);
    assert_true(a.id > 0);
    assert_int_equal(a.version, 1);
    for (size_t i = 0; i < 3; i++) assert_true(a.provisions[i].id > 0);
    assert_true(a.provisions[0].id != a.provisions[1].id);

    assert_int_equal(store_agreement_get(s, a.id, &b, &err), TR_OK);
    assert_int_equal(b.id, a.id);
    assert_int_equal(b.version, 1);
    assert_string_equal(b.name, a.name);
    assert_string_equal(b.description, "nationwide");
    assert_int_equal(b.start, a.start);
    assert_int_equal(b.end, a.end);
    assert_int_equal(b.nparties, 2);
    assert_string_equal(b.parties[1], "Opposition");
    assert_int_equal(b.nexcluded, 2);
    assert_string_equal(b.excluded[0], "ISIS");
    assert_int_equal(b.nzones, 2);
    assert_int_equal(b.zones[0], 3);
    assert_int_equal(b.zones[1], 4);
    assert_false(b.vis.is_public);
    assert_string_equal(b.vis.parties[0], "Russia");
    assert_string_equal(b.created_by, "admin");
    assert_int_equal(b.created_at, T("2016-02-20"));
    assert_int_equal(b.nprovisions, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(b.provisions[i].id, a.provisions[i].id);
        assert_int_equal(b.provisions[i].seq, (int)i + 1);
        assert_string_equal(b.provisions[i].text, a.provisions[i].text);
        assert_int_equal(b.provisions[i].deadline, a.provisions[i].deadline);
        assert_int_equal(b.provisions[i].status, a.provisions[i].status);
    }
    assert_string_equal(b.provisions[0].responsible, "Opposition");
    assert_null(b.provisions[1].responsible);
    assert_int_equal(b.provisions[1].status, PROV_DISPUTED);
    assert_int_equal(b.provisions[2].deadline, TR_TIME_OPEN);
    tr_agreement_clear(&b);

    /* The same name again conflicts. */
    tr_agreement dup;
    j = parse("{\"name\":\"ISSG Cessation of Hostilities\",\"start\":\"2017-01-01\"}");
    assert_int_equal(tr_agreement_parse(j, &dup, &err), TR_OK);
    json_decref(j);
    dup.created_by = strdup("admin");
    begin(s);
    memset(&err, 0, sizeof err);
    assert_int_equal(store_agreement_insert(s, &dup, &err), TR_ECONFLICT);
    assert_string_equal(err.field, "name");
    store_rollback(s);
    tr_agreement_clear(&dup);

    /* A minimal one: open end, everywhere, no provisions. */
    j = parse("{\"name\":\"Nationwide ceasefire\",\"start\":\"2016-12-29T22:00:00Z\"}");
    assert_int_equal(tr_agreement_parse(j, &dup, &err), TR_OK);
    json_decref(j);
    dup.created_by = strdup("Russia");
    begin(s);
    assert_int_equal(store_agreement_insert(s, &dup, &err), TR_OK);
    commit(s);
    int64_t id2 = dup.id;
    tr_agreement_clear(&dup);
    assert_int_equal(store_agreement_get(s, id2, &b, &err), TR_OK);
    assert_int_equal(b.end, TR_TIME_OPEN);
    assert_int_equal(b.nzones, 0);
    assert_int_equal(b.nprovisions, 0);
    assert_true(b.vis.is_public);
    tr_agreement_clear(&b);

    ag_ctx c = {0};
    assert_int_equal(store_agreement_each(s, ag_each, &c, &err), TR_OK);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.ids[0], a.id);
    assert_int_equal(c.nprov[0], 3);
    assert_int_equal(c.ids[1], id2);
    assert_int_equal(c.nprov[1], 0);
    assert_int_equal(store_agreement_get(s, id2 + 10, &b, &err), TR_ENOTFOUND);
    tr_agreement_clear(&a);
    store_close(s);
}

/* Runs fn(path) in a child process and fails unless it exits normally with status 0:
 * for calls that may crash, so that a crash fails one test instead of the binary. */
static void run_in_child(const char *path, int (*fn)(const char *path)) {
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* Not cmocka's handlers: a crash must end the child, not resume the runner in it. */
        static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
        for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) signal(sigs[i], SIG_DFL);
        _exit(fn(path));
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status)) fail_msg("the child died of signal %d", WTERMSIG(status));
    if (WEXITSTATUS(status) != 0) fail_msg("the child exited with status %d", WEXITSTATUS(status));
}

/* store_agreement_get of a missing id must report TR_ENOTFOUND without touching the
 * caller's (uninitialised) out value; store_area_get already behaves so. */
static int get_missing_agreement(const char *path) {
    store *s = NULL;
    tr_err err = {0};
    if (store_open(path, &s, &err)) return 2;
    tr_area a;
    memset(&a, 0xa5, sizeof a); /* as an uninitialised stack value may be */
    if (store_area_get(s, 12345, 0, &a, &err) != TR_ENOTFOUND) return 3;
    tr_agreement ag;
    memset(&ag, 0xa5, sizeof ag);
    int rc = store_agreement_get(s, 12345, &ag, &err);
    store_close(s);
    return rc == TR_ENOTFOUND ? 0 : 4;
}

static void test_agreement_get_missing(void **state) {
    fixture *f = *state;
    store_close(open_store(f)); /* create the schema */
    run_in_child(f->path, get_missing_agreement);
}

/* ---- the centre ---- */

static centre *open_centre(const fixture *f) {
    centre *c = NULL;
    tr_err err = {0};
    if (centre_open(f->path, &LIM, &c, &err) != TR_OK) fail_msg("centre_open: %s: %s", err.field, err.msg);
    assert_non_null(c);
    return c;
}

static void test_centre_tokens(void **state) {
    fixture *f = *state;
    centre *c = open_centre(f);
    tr_err err = {0};
    char tok[CENTRE_TOKEN_LEN + 1], tok2[CENTRE_TOKEN_LEN + 1];
    assert_int_equal(centre_party_add(c, "admin", "admin", "Centre administrator", tok, &err), TR_OK);
    assert_int_equal(strlen(tok), CENTRE_TOKEN_LEN);
    assert_int_equal(strncmp(tok, "truce_", 6), 0);
    for (size_t i = 6; i < CENTRE_TOKEN_LEN; i++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", tok[i]))
            fail_msg("token character %zu is '%c'", i, tok[i]);
    assert_int_equal(centre_party_add(c, "SAA", "belligerent", NULL, tok2, &err), TR_OK);
    assert_string_not_equal(tok, tok2);

    tr_party p;
    assert_int_equal(centre_authenticate(c, tok, &p, &err), TR_OK);
    assert_string_equal(p.name, "admin");
    assert_int_equal(p.role, ROLE_ADMIN);
    assert_int_equal(centre_authenticate(c, tok2, &p, &err), TR_OK);
    assert_string_equal(p.name, "SAA");
    assert_int_equal(p.role, ROLE_BELLIGERENT);

    /* Wrong tokens. */
    char bad[CENTRE_TOKEN_LEN + 2];
    snprintf(bad, sizeof bad, "%s", tok);
    bad[CENTRE_TOKEN_LEN - 1] = bad[CENTRE_TOKEN_LEN - 1] == 'A' ? 'B' : 'A';
    memset(&err, 0, sizeof err);
    assert_int_equal(centre_authenticate(c, bad, &p, &err), TR_EAUTH);
    assert_int_equal(err.code, TR_EAUTH);
    snprintf(bad, sizeof bad, "%sx", tok);
    assert_int_equal(centre_authenticate(c, bad, &p, &err), TR_EAUTH);
    snprintf(bad, sizeof bad, "%.*s", CENTRE_TOKEN_LEN - 1, tok);
    assert_int_equal(centre_authenticate(c, bad, &p, &err), TR_EAUTH);
    snprintf(bad, sizeof bad, "TRUCE_%s", tok + 6);
    assert_int_equal(centre_authenticate(c, bad, &p, &err), TR_EAUTH);
    assert_int_equal(centre_authenticate(c, "", &p, &err), TR_EAUTH);
    assert_int_equal(centre_authenticate(c, NULL, &p, &err), TR_EAUTH);

    /* Bad names and roles, duplicates (the token buffer of a failed call is scratch). */
    char scratch[CENTRE_TOKEN_LEN + 1];
    memset(&err, 0, sizeof err);
    assert_int_equal(centre_party_add(c, "SAA", "observer", NULL, scratch, &err), TR_ECONFLICT);
    assert_int_equal(centre_party_add(c, "Turkey", "overlord", NULL, scratch, &err), TR_EINVAL);
    assert_string_equal(err.field, "role");
    assert_int_equal(centre_party_add(c, "Turkey", NULL, NULL, scratch, &err), TR_EINVAL);
    assert_int_equal(centre_party_add(c, "-Turkey", "guarantor", NULL, scratch, &err), TR_EINVAL);
    assert_string_equal(err.field, "name");
    tr_err ignored;
    assert_int_equal(store_party_get(c->store, "Turkey", &p, &ignored), TR_ENOTFOUND);

    /* Actors: admin only, names distinct from parties. */
    tr_party admin, saa;
    assert_int_equal(centre_authenticate(c, tok, &admin, &err), TR_OK);
    assert_int_equal(centre_authenticate(c, tok2, &saa, &err), TR_OK);
    json_t *body = parse("{\"name\":\"ISIS\",\"full_name\":\"Islamic State\"}"), *out = NULL;
    assert_int_equal(centre_actor_add(c, &saa, body, &out, &err), TR_EFORBIDDEN);
    assert_null(out);
    assert_int_equal(centre_actor_add(c, &admin, body, &out, &err), TR_OK);
    assert_string_equal(json_string_value(json_object_get(out, "name")), "ISIS");
    json_decref(out);
    out = NULL;
    json_decref(body);
    body = parse("{\"name\":\"SAA\"}");
    assert_int_equal(centre_actor_add(c, &admin, body, &out, &err), TR_ECONFLICT);
    json_decref(body);
    assert_int_equal(centre_party_add(c, "ISIS", "belligerent", NULL, scratch, &err), TR_ECONFLICT);

    /* A revoked party's token stops working. */
    assert_int_equal(store_begin(c->store, &err), TR_OK);
    assert_int_equal(store_party_revoke(c->store, "SAA", T("2017-01-01"), &err), TR_OK);
    assert_int_equal(store_commit(c->store, &err), TR_OK);
    assert_int_equal(centre_authenticate(c, tok2, &p, &err), TR_EAUTH);
    centre_close(c);

    /* Tokens survive a restart. */
    c = open_centre(f);
    assert_int_equal(centre_authenticate(c, tok, &p, &err), TR_OK);
    assert_string_equal(p.name, "admin");
    centre_close(c);
}

/* The controller's name at a point and instant, as the API answers ("" when none). */
static void controller_at(centre *c, double lon, double lat, int64_t t, char *out, size_t n) {
    attr_result r = {0};
    assert_int_equal(attr_engine_query(c->attr, lon, lat, t, NULL, &r), TR_OK);
    json_t *j = attr_result_to_json(c->attr, &r, lon, lat, t);
    json_t *ctl = json_object_get(j, "controller");
    snprintf(out, n, "%s", json_is_object(ctl) ? json_string_value(json_object_get(ctl, "name")) : "");
    json_decref(j);
    attr_result_clear(&r);
}

static void test_centre_reopen(void **state) {
    fixture *f = *state;
    centre *c = open_centre(f);
    tr_err err = {0};
    char tok[CENTRE_TOKEN_LEN + 1], g[512], name[80];
    assert_int_equal(centre_party_add(c, "admin", "admin", NULL, tok, &err), TR_OK);
    tr_party admin;
    assert_int_equal(centre_authenticate(c, tok, &admin, &err), TR_OK);
    assert_int_equal(centre_party_add(c, "SAA", "belligerent", NULL, tok, &err), TR_OK);
    assert_int_equal(centre_party_add(c, "Opposition", "belligerent", NULL, tok, &err), TR_OK);

    char text[1024];
    snprintf(text, sizeof text, "{\"type\":\"Feature\",\"geometry\":%s,\"properties\":{\"kind\":\"control\","
             "\"name\":\"town\",\"party\":\"SAA\",\"valid_from\":\"2016-01-01\"}}", rect(g, sizeof g, 36, 36, 36.1, 36.1));
    json_t *ft = parse(text), *out = NULL;
    assert_int_equal(centre_area_create(c, &admin, ft, &out, &err), TR_OK);
    json_decref(ft);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    assert_true(id > 0);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(out, "properties"), "version")), 1);
    json_decref(out);
    out = NULL;
    snprintf(text, sizeof text, "{\"type\":\"Feature\",\"geometry\":%s,\"properties\":{\"kind\":\"control\","
             "\"name\":\"town\",\"party\":\"Opposition\",\"valid_from\":\"2016-07-01\"}}", rect(g, sizeof g, 36, 36, 36.1, 36.1));
    ft = parse(text);
    assert_int_equal(centre_area_update(c, &admin, id, 1, ft, &out, &err), TR_OK);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(out, "properties"), "version")), 2);
    json_decref(out);
    out = NULL;
    /* A stale version, an unknown party: refused, nothing published. */
    assert_int_equal(centre_area_update(c, &admin, id, 1, ft, &out, &err), TR_ECONFLICT);
    assert_null(out);
    json_decref(ft);
    snprintf(text, sizeof text, "{\"type\":\"Feature\",\"geometry\":%s,\"properties\":{\"kind\":\"control\","
             "\"name\":\"x\",\"party\":\"Nobody\",\"valid_from\":\"2016-07-01\"}}", rect(g, sizeof g, 36, 36, 36.1, 36.1));
    ft = parse(text);
    memset(&err, 0, sizeof err);
    assert_int_equal(centre_area_create(c, &admin, ft, &out, &err), TR_EINVAL);
    assert_string_equal(err.field, "properties.party");
    assert_null(out);
    json_decref(ft);
    assert_int_equal(attr_engine_area_versions(c->attr), 2);

    controller_at(c, 36.05, 36.05, T("2016-03-01"), name, sizeof name);
    assert_string_equal(name, "SAA");
    controller_at(c, 36.05, 36.05, T("2016-08-01"), name, sizeof name);
    assert_string_equal(name, "Opposition");
    centre_close(c);

    /* Reopened: the engine is loaded from the file and answers the same. */
    c = open_centre(f);
    assert_int_equal(attr_engine_area_versions(c->attr), 2);
    controller_at(c, 36.05, 36.05, T("2016-07-01") - 1, name, sizeof name);
    assert_string_equal(name, "SAA");
    controller_at(c, 36.05, 36.05, T("2016-07-01"), name, sizeof name);
    assert_string_equal(name, "Opposition");
    controller_at(c, 36.05, 36.05, T("2015-07-01"), name, sizeof name);
    assert_string_equal(name, "");
    controller_at(c, 36.15, 36.05, T("2016-08-01"), name, sizeof name);
    assert_string_equal(name, "");
    assert_int_equal(attr_engine_covering(c->attr, 36.05, 36.05, NULL, 0), 2);
    centre_close(c);
}

/* Creates an area through the centre; returns its id. */
static int64_t centre_area(centre *c, const tr_party *by, const char *geometry, const char *props) {
    char text[2048];
    snprintf(text, sizeof text, "{\"type\":\"Feature\",\"geometry\":%s,\"properties\":{%s}}", geometry, props);
    json_t *ft = parse(text), *out = NULL;
    tr_err err = {0};
    if (centre_area_create(c, by, ft, &out, &err)) fail_msg("centre_area_create: %s: %s", err.field, err.msg);
    json_decref(ft);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    assert_true(id > 0);
    return id;
}

/* Creates an agreement through the centre: returns the code, and the id in *id. */
static int centre_agreement(centre *c, const tr_party *by, const char *body, int64_t *id, tr_err *err) {
    json_t *j = parse(body), *out = NULL;
    memset(err, 0, sizeof *err);
    int rc = centre_agreement_create(c, by, j, &out, err);
    json_decref(j);
    if (rc == TR_OK) {
        assert_non_null(out);
        *id = json_integer_value(json_object_get(out, "id"));
        json_decref(out);
    } else {
        assert_null(out);
    }
    return rc;
}

static void test_centre_agreements(void **state) {
    fixture *f = *state;
    centre *c = open_centre(f);
    tr_err err = {0};
    char tok[CENTRE_TOKEN_LEN + 1], body[1024], g[512];
    tr_party admin, russia, saa;
    static const char *const ps[][2] = {{"admin", "admin"}, {"Russia", "guarantor"}, {"SAA", "belligerent"},
                                        {"Opposition", "belligerent"}};
    tr_party *who[] = {&admin, &russia, &saa, NULL};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(centre_party_add(c, ps[i][0], ps[i][1], NULL, tok, &err), TR_OK);
        if (who[i]) assert_int_equal(centre_authenticate(c, tok, who[i], &err), TR_OK);
    }
    json_t *ab = parse("{\"name\":\"ISIS\"}"), *out = NULL;
    assert_int_equal(centre_actor_add(c, &admin, ab, &out, &err), TR_OK);
    json_decref(out);
    json_decref(ab);
    /* A zone only SAA (its owner) may read, and a public one. */
    int64_t hidden = centre_area(c, &saa, rect(g, sizeof g, 36, 36, 36.1, 36.1),
                                 "\"kind\":\"ceasefire_zone\",\"name\":\"SAA zone\",\"party\":\"SAA\","
                                 "\"valid_from\":\"2016-01-01\",\"visibility\":[]");
    int64_t open = centre_area(c, &admin, rect(g, sizeof g, 37, 36, 37.1, 36.1),
                               "\"kind\":\"ceasefire_zone\",\"name\":\"zone\",\"valid_from\":\"2016-01-01\"");
    int64_t id = 0;

    /* A belligerent may not record agreements. */
    assert_int_equal(centre_agreement(c, &saa, "{\"name\":\"a\",\"start\":\"2016-02-01\"}", &id, &err), TR_EFORBIDDEN);
    /* References that need the store. */
    assert_int_equal(centre_agreement(c, &russia, "{\"name\":\"a\",\"start\":\"2016-02-01\",\"parties\":[\"SAA\",\"Ghost\"]}",
                                      &id, &err), TR_EINVAL);
    assert_string_equal(err.field, "parties[1]");
    assert_int_equal(centre_agreement(c, &russia, "{\"name\":\"a\",\"start\":\"2016-02-01\",\"parties\":[\"ISIS\"]}",
                                      &id, &err), TR_EINVAL);
    assert_string_equal(err.field, "parties[0]");
    assert_int_equal(centre_agreement(c, &russia, "{\"name\":\"a\",\"start\":\"2016-02-01\",\"excluded_actors\":[\"SAA\"]}",
                                      &id, &err), TR_EINVAL);
    assert_string_equal(err.field, "excluded_actors[0]");
    assert_int_equal(centre_agreement(c, &russia, "{\"name\":\"a\",\"start\":\"2016-02-01\","
                                      "\"provisions\":[{\"text\":\"t\",\"responsible\":\"Nobody\"}]}", &id, &err), TR_EINVAL);
    assert_string_equal(err.field, "provisions[0].responsible");
    assert_int_equal(centre_agreement(c, &russia, "{\"name\":\"a\",\"start\":\"2016-02-01\",\"visibility\":[\"Ghost\"]}",
                                      &id, &err), TR_EINVAL);
    assert_string_equal(err.field, "visibility[0]");
    snprintf(body, sizeof body, "{\"name\":\"a\",\"start\":\"2016-02-01\",\"zones\":[%lld]}", (long long)(open + 100));
    assert_int_equal(centre_agreement(c, &russia, body, &id, &err), TR_EINVAL);
    assert_string_equal(err.field, "zones[0]");
    /* A zone the writer may not read is as absent as a missing one. */
    snprintf(body, sizeof body, "{\"name\":\"a\",\"start\":\"2016-02-01\",\"zones\":[%lld]}", (long long)hidden);
    assert_int_equal(centre_agreement(c, &russia, body, &id, &err), TR_EINVAL);
    assert_string_equal(err.field, "zones[0]");
    char want[sizeof err.msg];
    snprintf(want, sizeof want, "there is no area %lld", (long long)hidden);
    assert_string_equal(err.msg, want);
    assert_int_equal(attr_engine_area_versions(c->attr), 2);

    /* Valid ones: by a guarantor with the public zone, by the admin with the hidden one. */
    snprintf(body, sizeof body, "{\"name\":\"Zone truce\",\"start\":\"2016-02-01\",\"parties\":[\"SAA\",\"Opposition\"],"
             "\"excluded_actors\":[\"ISIS\"],\"zones\":[%lld],\"provisions\":[{\"text\":\"withdraw\",\"responsible\":\"SAA\"}]}",
             (long long)open);
    int64_t ag1 = 0, ag2 = 0;
    assert_int_equal(centre_agreement(c, &russia, body, &ag1, &err), TR_OK);
    snprintf(body, sizeof body, "{\"name\":\"Hidden truce\",\"start\":\"2016-02-01\",\"zones\":[%lld]}", (long long)hidden);
    assert_int_equal(centre_agreement(c, &admin, body, &ag2, &err), TR_OK);
    assert_true(ag1 > 0 && ag2 > ag1);
    /* The same name again conflicts. */
    assert_int_equal(centre_agreement(c, &admin, "{\"name\":\"Zone truce\",\"start\":\"2017-01-01\"}", &id, &err), TR_ECONFLICT);

    attr_result r = {0};
    assert_int_equal(attr_engine_query(c->attr, 37.05, 36.05, T("2016-03-01"), NULL, &r), TR_OK);
    assert_int_equal(r.nagreements, 1);
    assert_int_equal(r.agreements[0]->id, ag1);
    assert_string_equal(r.agreements[0]->created_by, "Russia");
    assert_int_equal(attr_engine_query(c->attr, 37.05, 36.05, T("2016-01-15"), NULL, &r), TR_OK);
    assert_int_equal(r.nagreements, 0);
    assert_int_equal(attr_engine_query(c->attr, 36.05, 36.05, T("2016-03-01"), NULL, &r), TR_OK);
    assert_int_equal(r.nagreements, 1);
    assert_int_equal(r.agreements[0]->id, ag2);
    centre_close(c);

    /* Reopened: agreements are loaded into the engine with their provisions. */
    c = open_centre(f);
    assert_int_equal(attr_engine_query(c->attr, 37.05, 36.05, T("2016-03-01"), NULL, &r), TR_OK);
    assert_int_equal(r.nagreements, 1);
    assert_int_equal(r.agreements[0]->id, ag1);
    assert_int_equal(r.agreements[0]->nprovisions, 1);
    assert_string_equal(r.agreements[0]->provisions[0].responsible, "SAA");
    assert_int_equal(r.agreements[0]->nzones, 1);
    assert_int_equal(r.agreements[0]->zones[0], open);
    attr_result_clear(&r);
    centre_close(c);
}

/* Who may replace an area version through the centre. */
static void test_centre_area_permissions(void **state) {
    fixture *f = *state;
    centre *c = open_centre(f);
    tr_err err = {0};
    char tok[CENTRE_TOKEN_LEN + 1], g[512], text[1024];
    tr_party admin, russia, saa, kaz;
    static const char *const ps[][2] = {{"admin", "admin"}, {"Russia", "guarantor"}, {"SAA", "belligerent"},
                                        {"Kazakhstan", "observer"}};
    tr_party *who[] = {&admin, &russia, &saa, &kaz};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(centre_party_add(c, ps[i][0], ps[i][1], NULL, tok, &err), TR_OK);
        assert_int_equal(centre_authenticate(c, tok, who[i], &err), TR_OK);
    }
    rect(g, sizeof g, 36, 36, 36.1, 36.1);
    int64_t hidden = centre_area(c, &saa, g, "\"kind\":\"no_strike\",\"name\":\"depot\",\"party\":\"SAA\","
                                             "\"valid_from\":\"2016-01-01\",\"visibility\":[]");
    int64_t shown = centre_area(c, &saa, g, "\"kind\":\"no_strike\",\"name\":\"school\",\"party\":\"SAA\","
                                            "\"valid_from\":\"2016-01-01\"");
    json_t *out = NULL;
    struct {
        const tr_party *by;
        int64_t id;
        const char *party;
        int want;
        const char *field;
    } cases[] = {
        {&russia, hidden, "Russia", TR_ENOTFOUND, "id"},            /* cannot see it: no existence oracle */
        {&russia, shown, "Russia", TR_EFORBIDDEN, ""},              /* sees it, does not own it */
        {&russia, shown, "SAA", TR_EFORBIDDEN, "properties.party"}, /* may write only its own */
        {&kaz, shown, "Kazakhstan", TR_EFORBIDDEN, ""},             /* observers write nothing */
        {&saa, hidden, "SAA", TR_OK, NULL},
        {&admin, shown, "SAA", TR_OK, NULL},
        {&saa, shown + 100, "SAA", TR_ENOTFOUND, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(text, sizeof text, "{\"type\":\"Feature\",\"geometry\":%s,\"properties\":{\"kind\":\"no_strike\","
                 "\"name\":\"v\",\"party\":\"%s\",\"valid_from\":\"2016-06-01\"}}", g, cases[i].party);
        json_t *ft = parse(text);
        memset(&err, 0, sizeof err);
        int rc = centre_area_update(c, cases[i].by, cases[i].id, 0, ft, &out, &err);
        json_decref(ft);
        if (rc != cases[i].want) fail_msg("case %zu: %d (%s: %s), expected %d", i, rc, err.field, err.msg, cases[i].want);
        if (cases[i].field) assert_string_equal(err.field, cases[i].field);
        if (rc == TR_OK) {
            assert_int_equal(json_integer_value(json_object_get(json_object_get(out, "properties"), "version")), 2);
            json_decref(out);
            out = NULL;
        } else {
            assert_null(out);
        }
    }
    /* The feature's id must be the one updated. */
    snprintf(text, sizeof text, "{\"type\":\"Feature\",\"id\":%lld,\"geometry\":%s,\"properties\":{\"kind\":\"no_strike\","
             "\"name\":\"v\",\"party\":\"SAA\",\"valid_from\":\"2016-07-01\"}}", (long long)hidden, g);
    json_t *ft = parse(text);
    assert_int_equal(centre_area_update(c, &saa, shown, 0, ft, &out, &err), TR_EINVAL);
    assert_string_equal(err.field, "id");
    assert_int_equal(centre_area_update(c, &saa, hidden, 2, ft, &out, &err), TR_OK);
    json_decref(out);
    json_decref(ft);
    /* Only the two successful updates and this one reached the engine. */
    assert_int_equal(attr_engine_area_versions(c->attr), 5);
    centre_close(c);
}

/* Threads: each thread has its own connection; writers are serialised, readers run
 * beside them. 4 writers x 25 transactions, 2 readers listing meanwhile. */
typedef struct store_thread {
    store *s;
    int index;
    int failures;
    volatile int *stop;
} store_thread;

static void *store_writer(void *p) {
    store_thread *t = p;
    char g[512];
    for (int i = 0; i < 25; i++) {
        tr_err err = {0};
        char props[256], name[32];
        snprintf(props, sizeof props, "\"kind\":\"region\",\"name\":\"w%d-%d\",\"valid_from\":\"2011-01-01\"", t->index, i);
        tr_area a;
        json_t *j;
        char text[1024];
        snprintf(text, sizeof text, "{\"type\":\"Feature\",\"geometry\":%s,\"properties\":{%s}}",
                 rect(g, sizeof g, 36 + t->index, 36 + 0.01 * i, 36.5 + t->index, 36.5 + 0.01 * i), props);
        j = json_loads(text, 0, NULL);
        if (!j || tr_area_parse(j, 0, &LIM, &a, &err)) {
            t->failures++;
            json_decref(j);
            continue;
        }
        json_decref(j);
        a.created_by = strdup("admin");
        snprintf(name, sizeof name, "W%d-%d", t->index, i);
        if (store_begin(t->s, &err)) {
            t->failures++;
        } else if (store_area_insert(t->s, &a, &err) ||
                   store_party_insert(t->s, name, ROLE_OBSERVER, NULL, name, 1, NULL, &err)) {
            t->failures++;
            store_rollback(t->s);
        } else if (store_commit(t->s, &err)) {
            t->failures++;
        }
        tr_area_clear(&a);
    }
    return NULL;
}

static void *store_reader(void *p) {
    store_thread *t = p;
    while (!__atomic_load_n(t->stop, __ATOMIC_ACQUIRE)) {
        tr_err err = {0};
        json_t *fs = json_array();
        int64_t next;
        store_area_filter flt = {.kind = -1, .limit = 1000};
        if (centre_area_list_json(t->s, &flt, fs, &next, &err)) t->failures++;
        /* Committed transactions are whole: each area has its party. */
        json_t *parties = NULL;
        if (centre_party_list_json(t->s, &parties, &err)) t->failures++;
        else if (json_array_size(parties) < json_array_size(fs)) t->failures++;
        json_decref(parties);
        json_decref(fs);
    }
    return NULL;
}

static void test_store_threads(void **state) {
    fixture *f = *state;
    store *s = open_store(f);
    volatile int stop = 0;
    store_thread w[4], r[2];
    pthread_t tw[4], tr[2];
    for (int i = 0; i < 2; i++) {
        r[i] = (store_thread){.s = s, .index = i, .stop = &stop};
        assert_int_equal(pthread_create(&tr[i], NULL, store_reader, &r[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        w[i] = (store_thread){.s = s, .index = i, .stop = &stop};
        assert_int_equal(pthread_create(&tw[i], NULL, store_writer, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(tw[i], NULL), 0);
        assert_int_equal(w[i].failures, 0);
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_join(tr[i], NULL), 0);
        assert_int_equal(r[i].failures, 0);
    }
    tr_err err = {0};
    json_t *fs = json_array(), *parties;
    int64_t next;
    store_area_filter flt = all_filter();
    flt.limit = 1000;
    assert_int_equal(centre_area_list_json(s, &flt, fs, &next, &err), TR_OK);
    assert_int_equal(json_array_size(fs), 100);
    json_decref(fs);
    assert_int_equal(centre_party_list_json(s, &parties, &err), TR_OK);
    assert_int_equal(json_array_size(parties), 100);
    json_decref(parties);
    store_close(s);
}

/* The scenario file: $TRUCE_ROOT, else the source tree of this file, else ../scenarios. */
static void scenario_path(char *buf, size_t n) {
    const char *root = getenv("TRUCE_ROOT");
    if (root && *root) {
        snprintf(buf, n, "%s/scenarios/syria-2016-2017.json", root);
        if (access(buf, R_OK) == 0) return;
    }
    const char *file = __FILE__, *tail = strstr(file, "tests/unit/test_store.c");
    if (tail) {
        snprintf(buf, n, "%.*sscenarios/syria-2016-2017.json", (int)(tail - file), file);
        if (access(buf, R_OK) == 0) return;
    }
    snprintf(buf, n, "../scenarios/syria-2016-2017.json");
}

#define PALMYRA 38.27, 34.56

static void test_centre_scenario(void **state) {
    fixture *f = *state;
    char path[1024], name[80];
    scenario_path(path, sizeof path);
    json_error_t je;
    json_t *sc = json_load_file(path, 0, &je);
    if (!sc) fail_msg("cannot read the scenario %s: %s", path, je.text);
    size_t nversions = 0, i;
    json_t *entry;
    json_array_foreach(json_object_get(sc, "areas"), i, entry) nversions += json_array_size(json_object_get(entry, "versions"));
    size_t nagreements = json_array_size(json_object_get(sc, "agreements"));
    json_decref(sc);
    assert_true(nversions >= 40);

    centre *c = open_centre(f);
    tr_err err = {0};
    FILE *tokens = tmpfile();
    assert_non_null(tokens);
    if (centre_import_scenario(c, path, NULL, tokens, &err) != TR_OK)
        fail_msg("import of %s failed: %s: %s", path, err.field, err.msg);
    json_t *parties;
    assert_int_equal(centre_party_list_json(c->store, &parties, &err), TR_OK);
    assert_int_equal(json_array_size(parties), 13);
    json_decref(parties);
    assert_int_equal(attr_engine_area_versions(c->attr), nversions);

    /* One token line per party; they authenticate. */
    rewind(tokens);
    char line[256], saa_token[CENTRE_TOKEN_LEN + 1] = "";
    int nlines = 0;
    while (fgets(line, sizeof line, tokens)) {
        nlines++;
        char *tab1 = strchr(line, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
        assert_non_null(tab2);
        if (strncmp(line, "SAA\t", 4) == 0) snprintf(saa_token, sizeof saa_token, "%.*s", CENTRE_TOKEN_LEN, tab2 + 1);
    }
    fclose(tokens);
    assert_int_equal(nlines, 13);
    tr_party p;
    assert_int_equal(centre_authenticate(c, saa_token, &p, &err), TR_OK);
    assert_string_equal(p.name, "SAA");
    assert_int_equal(p.role, ROLE_BELLIGERENT);

    /* Palmyra: retaken by the government in March 2016, lost to ISIS in December. */
    controller_at(c, PALMYRA, T("2016-06-01"), name, sizeof name);
    assert_string_equal(name, "SAA");
    controller_at(c, PALMYRA, T("2017-01-15"), name, sizeof name);
    assert_string_equal(name, "ISIS");
    controller_at(c, PALMYRA, T("2016-02-01"), name, sizeof name);
    assert_string_equal(name, "ISIS");
    controller_at(c, PALMYRA, T("2017-06-01"), name, sizeof name);
    assert_string_equal(name, "SAA");
    attr_result r = {0};
    assert_int_equal(attr_engine_query(c->attr, PALMYRA, T("2016-06-01"), NULL, &r), TR_OK);
    json_t *j = attr_result_to_json(c->attr, &r, PALMYRA, T("2016-06-01"));
    assert_string_equal(json_string_value(json_object_get(j, "region")), "Homs");
    assert_true(json_is_false(json_object_get(j, "contested")));
    assert_int_equal(json_array_size(json_object_get(j, "agreements")), 1); /* the 2016 cessation, nationwide */
    json_decref(j);
    attr_result_clear(&r);
    centre_close(c);

    /* Reopened from the file: the same answers. */
    c = open_centre(f);
    assert_int_equal(attr_engine_area_versions(c->attr), nversions);
    controller_at(c, PALMYRA, T("2016-06-01"), name, sizeof name);
    assert_string_equal(name, "SAA");
    controller_at(c, PALMYRA, T("2017-01-15"), name, sizeof name);
    assert_string_equal(name, "ISIS");
    ag_ctx ac = {0};
    assert_int_equal(store_agreement_each(c->store, ag_each, &ac, &err), TR_OK);
    assert_int_equal((size_t)ac.n, nagreements);

    /* Importing it again conflicts on the first party and changes nothing. */
    memset(&err, 0, sizeof err);
    assert_int_not_equal(centre_import_scenario(c, path, NULL, NULL, &err), TR_OK);
    assert_int_equal(strncmp(err.field, "parties[0]", 10), 0);
    assert_int_equal(attr_engine_area_versions(c->attr), nversions);
    centre_close(c);
}

/* Writes text to a temporary scenario file; returns its path in buf. */
static void write_scenario(const fixture *f, const char *text, char *buf, size_t n) {
    snprintf(buf, n, "%s-scenario.json", f->path);
    FILE *fp = fopen(buf, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

#define SC_HEAD                                                                                          \
    "{\"scenario\":\"t\",\"parties\":[{\"name\":\"admin\",\"role\":\"admin\"},{\"name\":\"SAA\",\"role\":\"belligerent\"}]," \
    "\"actors\":[{\"name\":\"ISIS\"}],"
#define SC_AREA_OK                                                                                       \
    "{\"key\":\"a\",\"versions\":[{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"  \
    "[[[36,36],[36.1,36],[36.1,36.1],[36,36]]]},\"properties\":{\"kind\":\"control\",\"name\":\"a\",\"party\":\"SAA\"," \
    "\"valid_from\":\"2016-01-01\"}}]}"

static void expect_import_fails(const fixture *f, const char *text, const char *field) {
    char path[128];
    write_scenario(f, text, path, sizeof path);
    centre *c = open_centre(f);
    tr_err err = {0};
    FILE *tokens = tmpfile();
    assert_non_null(tokens);
    int rc = centre_import_scenario(c, path, NULL, tokens, &err);
    unlink(path);
    if (rc == TR_OK) fail_msg("a scenario with an error at %s was imported", field);
    if (strcmp(err.field, field) != 0) fail_msg("error at '%s' (%s), expected '%s'", err.field, err.msg, field);
    /* Nothing of it remains: no parties, actors, areas or agreements; no tokens written. */
    json_t *list;
    assert_int_equal(centre_party_list_json(c->store, &list, &err), TR_OK);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
    assert_int_equal(centre_actor_list_json(c->store, &list, &err), TR_OK);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
    assert_int_equal(attr_engine_area_versions(c->attr), 0);
    tr_area a;
    assert_int_equal(store_area_get(c->store, 1, 0, &a, &err), TR_ENOTFOUND);
    tr_agreement ag;
    memset(&ag, 0, sizeof ag); /* see test_agreement_get_missing */
    assert_int_equal(store_agreement_get(c->store, 1, &ag, &err), TR_ENOTFOUND);
    assert_int_equal(ftell(tokens), 0);
    fclose(tokens);
    centre_close(c);
}

static void test_centre_scenario_errors(void **state) {
    fixture *f = *state;
    /* An invalid second area after a valid first one. */
    expect_import_fails(f, SC_HEAD "\"areas\":[" SC_AREA_OK ",{\"key\":\"b\",\"versions\":[{\"type\":\"Feature\","
                           "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[36,36],[36.1,36],[36.1,36.1],[36,36]]]},"
                           "\"properties\":{\"kind\":\"control\",\"name\":\"b\",\"valid_from\":\"2016-01-01\"}}]}]}",
                        "areas[1].versions[0].properties.party");
    /* A bad agreement at the very end. */
    expect_import_fails(f, SC_HEAD "\"areas\":[" SC_AREA_OK "],\"agreements\":[{\"key\":\"x\",\"name\":\"CoH\","
                           "\"start\":\"2016-01-01\",\"end\":\"2015-01-01\"}]}",
                        "agreements[0].end");
    /* A zone key that names no area. */
    expect_import_fails(f, SC_HEAD "\"areas\":[" SC_AREA_OK "],\"agreements\":[{\"key\":\"x\",\"name\":\"CoH\","
                           "\"start\":\"2016-01-01\",\"zones\":[\"nope\"]}]}",
                        "agreements[0].zones");
    /* An unknown role. */
    expect_import_fails(f, "{\"parties\":[{\"name\":\"admin\",\"role\":\"admin\"},{\"name\":\"X\",\"role\":\"king\"}]}",
                        "parties[1].role");
    /* An area referring to an unknown party. */
    expect_import_fails(f, SC_HEAD "\"areas\":[{\"key\":\"a\",\"versions\":[{\"type\":\"Feature\",\"geometry\":"
                           "{\"type\":\"Polygon\",\"coordinates\":[[[36,36],[36.1,36],[36.1,36.1],[36,36]]]},"
                           "\"properties\":{\"kind\":\"control\",\"name\":\"a\",\"party\":\"Ghost\",\"valid_from\":\"2016-01-01\"}}]}]}",
                        "areas[0].versions[0].properties.party");
    /* A second version starting before the first. */
    expect_import_fails(f, SC_HEAD "\"areas\":[{\"key\":\"a\",\"versions\":[{\"type\":\"Feature\",\"geometry\":"
                           "{\"type\":\"Polygon\",\"coordinates\":[[[36,36],[36.1,36],[36.1,36.1],[36,36]]]},"
                           "\"properties\":{\"kind\":\"control\",\"name\":\"a\",\"party\":\"SAA\",\"valid_from\":\"2016-06-01\"}},"
                           "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[36,36],[36.1,36],[36.1,36.1],[36,36]]]},"
                           "\"properties\":{\"kind\":\"control\",\"name\":\"a\",\"party\":\"SAA\",\"valid_from\":\"2016-01-01\"}}]}]}",
                        "areas[0].versions[1].properties.valid_from");
    /* An unknown top-level key; a file that is not JSON. */
    expect_import_fails(f, "{\"parties\":[],\"extra\":1}", "extra");
    expect_import_fails(f, "{\"parties\":[", "FILE");

    /* After all those failures a valid scenario imports whole. */
    char path[128];
    write_scenario(f, SC_HEAD "\"areas\":[" SC_AREA_OK "],\"agreements\":[{\"key\":\"x\",\"name\":\"CoH\","
                              "\"start\":\"2016-01-01\",\"parties\":[\"SAA\"],\"excluded_actors\":[\"ISIS\"],\"zones\":[\"a\"]}]}",
                   path, sizeof path);
    centre *c = open_centre(f);
    tr_err err = {0};
    int rc = centre_import_scenario(c, path, NULL, NULL, &err);
    unlink(path);
    if (rc != TR_OK) fail_msg("valid scenario refused: %s: %s", err.field, err.msg);
    assert_int_equal(attr_engine_area_versions(c->attr), 1);
    attr_result r = {0};
    assert_int_equal(attr_engine_query(c->attr, 36.08, 36.01, T("2016-02-01"), NULL, &r), TR_OK);
    assert_int_equal(r.nareas, 1);
    assert_int_equal(r.nagreements, 1);
    assert_int_equal(r.agreements[0]->nzones, 1);
    assert_int_equal(r.agreements[0]->zones[0], r.areas[0]->id);
    attr_result_clear(&r);
    centre_close(c);
}

/* A regions file replaces the scenario's own region areas; a bad one imports nothing. */
static void test_centre_scenario_regions(void **state) {
    fixture *f = *state;
    char sc_path[128], rg_path[160];
    write_scenario(f, SC_HEAD "\"areas\":[{\"key\":\"r\",\"versions\":[{\"type\":\"Feature\",\"geometry\":"
                              "{\"type\":\"Polygon\",\"coordinates\":[[[30,30],[40,30],[40,40],[30,30]]]},"
                              "\"properties\":{\"kind\":\"region\",\"name\":\"Scenario region\",\"valid_from\":\"2011-01-01\"}}]},"
                              SC_AREA_OK "]}", sc_path, sizeof sc_path);
    snprintf(rg_path, sizeof rg_path, "%s-regions.json", f->path);
    FILE *fp = fopen(rg_path, "w");
    assert_non_null(fp);
    fputs("{\"type\":\"FeatureCollection\",\"features\":["
          "{\"type\":\"Feature\",\"properties\":{\"name\":\"ignored\",\"ADM1_EN\":\"Aleppo\"},\"geometry\":"
          "{\"type\":\"Polygon\",\"coordinates\":[[[35.5,35.5],[36.5,35.5],[36.5,36.5],[35.5,36.5],[35.5,35.5]]]}},"
          "{\"type\":\"Feature\",\"properties\":{\"NAME_1\":\"Idlib\"},\"geometry\":"
          "{\"type\":\"Polygon\",\"coordinates\":[[[36.5,35.5],[37.5,35.5],[37.5,36.5],[36.5,36.5],[36.5,35.5]]]}}]}", fp);
    fclose(fp);
    centre *c = open_centre(f);
    tr_err err = {0};
    int rc = centre_import_scenario(c, sc_path, rg_path, NULL, &err);
    if (rc != TR_OK) fail_msg("import with regions refused: %s: %s", err.field, err.msg);
    assert_int_equal(attr_engine_area_versions(c->attr), 3);
    static const struct { double lon, lat; const char *region; } cases[] = {
        {36.08, 36.01, "Aleppo"}, {37, 36, "Idlib"}, {38, 32, NULL}};
    for (size_t i = 0; i < 3; i++) {
        attr_result r = {0};
        assert_int_equal(attr_engine_query(c->attr, cases[i].lon, cases[i].lat, T("2016-02-01"), NULL, &r), TR_OK);
        json_t *j = attr_result_to_json(c->attr, &r, cases[i].lon, cases[i].lat, T("2016-02-01"));
        json_t *reg = json_object_get(j, "region");
        if (cases[i].region) assert_string_equal(json_string_value(reg), cases[i].region);
        else assert_true(json_is_null(reg));
        json_decref(j);
        attr_result_clear(&r);
    }
    centre_close(c);
    remove_db(f->path);

    /* A region without a name: nothing is imported. */
    fp = fopen(rg_path, "w");
    assert_non_null(fp);
    fputs("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{\"code\":\"SY02\"},"
          "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[35.5,35.5],[36.5,35.5],[36.5,36.5],[35.5,35.5]]]}}]}", fp);
    fclose(fp);
    c = open_centre(f);
    memset(&err, 0, sizeof err);
    assert_int_not_equal(centre_import_scenario(c, sc_path, rg_path, NULL, &err), TR_OK);
    assert_string_equal(err.field, "--regions features[0]");
    assert_int_equal(attr_engine_area_versions(c->attr), 0);
    json_t *list;
    assert_int_equal(centre_party_list_json(c->store, &list, &err), TR_OK);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
    /* A regions file that is missing. */
    unlink(rg_path);
    memset(&err, 0, sizeof err);
    assert_int_not_equal(centre_import_scenario(c, sc_path, rg_path, NULL, &err), TR_OK);
    assert_string_equal(err.field, "--regions");
    assert_int_equal(attr_engine_area_versions(c->attr), 0);
    centre_close(c);
    unlink(sc_path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_and_migrate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parties, setup, teardown),
        cmocka_unit_test_setup_teardown(test_actors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_area_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_area_each, setup, teardown),
        cmocka_unit_test_setup_teardown(test_area_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_agreements, setup, teardown),
        cmocka_unit_test_setup_teardown(test_agreement_get_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_centre_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_centre_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_centre_agreements, setup, teardown),
        cmocka_unit_test_setup_teardown(test_centre_area_permissions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_centre_scenario, setup, teardown),
        cmocka_unit_test_setup_teardown(test_centre_scenario_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_centre_scenario_regions, setup, teardown),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
