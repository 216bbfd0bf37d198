/*
 * verify_probe.c — pass 4 of `truce verify --db` for what keeps restricted objects from
 * being located by probing (issue 11, docs/deconfliction.md §13): each privacy record
 * (margin and secret: the entry commits to the secret's SHA-256) and each probe with its
 * conflicts, rebuilt by the functions the centre logs with and matched with its entry.
 * verify_match.c lists the three tables; entries naming no row are reported there.
 */
#include <stdlib.h>
#include <string.h>

#include "edges/verify_db.h"
#include "service/centre_objects.h"

static int check_privacy(const char *about_type, int64_t about_id, const tr_privacy *p, void *ctx) {
    verify_pass *pp = ctx;
    char ref[CENTRE_REF_MAX], what[200];
    centre_ref_privacy(about_type, about_id, ref);
    snprintf(what, sizeof what, "dc_privacy %s %lld", about_type, (long long)about_id);
    verify__match_row(pp->a, what, ref, TR_ENTRY(PRIVACY_SET),
                      centre_object_privacy(about_type, about_id, p));
    pp->rows++;
    return TR_OK;
}

static int check_probe(const store_probe *p, void *ctx) {
    char ref[CENTRE_REF_MAX];
    centre_ref_probe(p->id, ref);
    verify__match_counted(ctx, "dc_probe", p->id, ref, TR_ENTRY(CONFLICT_PROBE), centre_object_probe(p));
    return TR_OK;
}

int verify__dc_privacy(db_audit *a, uint64_t *rows) {
    verify_pass p = {a, 0};
    tr_err e = {0};
    store_privacy_each(a->s, check_privacy, &p, &e);
    return verify__end_pass(&p, "dc_privacy", &e, rows);
}

/* A probe's object holds its hits (in seq order): verify__dc_probe_hit checks the rest. */
int verify__dc_probe(db_audit *a, uint64_t *rows) {
    verify_pass p = {a, 0};
    tr_err e = {0};
    store_probe_each(a->s, check_probe, &p, &e);
    verify__count(a, "dc_probe", p.rows, &e);
    /* The object holds them as booleans; the budget's queries compare them with 1. */
    int64_t bad = verify__n(a, AUDIT_N_BAD_PROBE_FLAGS);
    if (bad > 0)
        FAIL(a, "dc_probe: %lld rows hold a flag (refused, monitors_notified) other than 0 or 1",
             (long long)bad);
    *rows = p.rows;
    return TR_OK;
}

/* The hits were matched with their probes' entries (verify__dc_probe); here what that
 * cannot see: hits of no probe (counted by nobody's budget) and seq, which only orders
 * them: a probe's n hits are numbered 0 to n-1. */
int verify__dc_probe_hit(db_audit *a, uint64_t *rows) {
    int64_t orphans = verify__n(a, AUDIT_N_ORPHAN_HITS);
    if (orphans > 0) FAIL(a, "dc_probe_hit: %lld rows belong to no probe", (long long)orphans);
    int64_t misnumbered = verify__n(a, AUDIT_N_MISNUMBERED_HITS);
    int64_t bad = verify__n(a, AUDIT_N_BAD_HIT_FLAGS);
    if (bad > 0) FAIL(a, "dc_probe_hit: %lld rows hold an exact flag other than 0 or 1", (long long)bad);
    if (misnumbered > 0)
        FAIL(a, "dc_probe_hit: %lld rows are not numbered 0 to n-1 within their probe",
             (long long)misnumbered);
    *rows = (uint64_t)verify__n(a, AUDIT_N_HITS);
    return TR_OK;
}
