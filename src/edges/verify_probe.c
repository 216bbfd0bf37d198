/*
 * verify_probe.c — pass 4 of `truce verify --db` for what keeps restricted objects from
 * being located by probing (issue 11, docs/deconfliction.md §13): each privacy record
 * (margin and secret: the entry commits to the secret's SHA-256) and each probe with its
 * conflicts, rebuilt by the functions the centre logs with and matched with its entry.
 * verify.c runs it from audit_state; entries naming no row are reported there.
 */
#include <stdlib.h>
#include <string.h>

#include "edges/verify_db.h"
#include "service/centre_objects.h"

typedef struct probe_pass {
    db_audit *a;
    uint64_t rows;
} probe_pass;

static int check_privacy(const char *about_type, int64_t about_id, const tr_privacy *p, void *ctx) {
    probe_pass *pp = ctx;
    char ref[CENTRE_REF_MAX], what[200];
    centre_ref_privacy(about_type, about_id, ref);
    snprintf(what, sizeof what, "dc_privacy %s %lld", about_type, (long long)about_id);
    verify__match_row(pp->a, what, ref, "privacy.set", centre_object_privacy(about_type, about_id, p));
    pp->rows++;
    return TR_OK;
}

static int check_probe(const store_probe *p, void *ctx) {
    probe_pass *pp = ctx;
    char ref[CENTRE_REF_MAX], what[200];
    centre_ref_probe(p->id, ref);
    snprintf(what, sizeof what, "dc_probe %lld", (long long)p->id);
    verify__match_row(pp->a, what, ref, "conflict.probe", centre_object_probe(p));
    pp->rows++;
    return TR_OK;
}

/* Every row of table counted by sql must have been read (rows): else a row is unreadable. */
static void all_read(db_audit *a, const char *table, const char *sql, uint64_t rows, const tr_err *e) {
    int64_t all = verify__raw_int(a, sql);
    if (e->code != TR_OK)
        FAIL(a, "%s: %s; the rows after it were not checked", table, e->msg);
    else if (all >= 0 && (uint64_t)all != rows)
        FAIL(a, "%s: %lld rows, %llu readable", table, (long long)all, ULL(rows));
}

int verify__audit_probes(db_audit *a, uint64_t rows[2]) {
    probe_pass p = {a, 0};
    tr_err e = {0};
    store_privacy_each(a->s, check_privacy, &p, &e);
    all_read(a, "dc_privacy", "SELECT count(*) FROM dc_privacy", p.rows, &e);
    rows[0] += p.rows;
    p.rows = 0;
    e = (tr_err){0};
    store_probe_each(a->s, check_probe, &p, &e);
    all_read(a, "dc_probe", "SELECT count(*) FROM dc_probe", p.rows, &e);
    rows[1] += p.rows;
    /* Hits of no probe would be counted by nobody's budget: none may exist. */
    int64_t orphans = verify__raw_int(
        a, "SELECT count(*) FROM dc_probe_hit WHERE probe_id NOT IN (SELECT id FROM dc_probe)");
    if (orphans > 0) FAIL(a, "dc_probe_hit: %lld rows belong to no probe", (long long)orphans);
    return TR_OK;
}
