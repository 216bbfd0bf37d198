/*
 * centre_new_actors.c — names in imported reports that the centre does not know
 * (`--new-actors`, docs/monitoring.md "Bulk import").
 *
 * With create, such a name becomes an actor inside the import's transaction, logged as
 * actor.add (so a rolled-back import creates none). An actor's name obeys tr_name_check
 * (64 bytes of letters, digits and -_.()'&), so a dataset's name such as "Ahrar al-Sham,
 * Jabhat Fateh al-Sham" becomes "Ahrar al-Sham & Jabhat Fateh al-Sham" (a list too long
 * for 64 bytes ends "& others") and the dataset's exact spelling is kept as the actor's
 * full_name. The next time the same spelling comes
 * (a second file, or a re-import) it finds that actor again by name and full name; two
 * spellings that make the same name get "NAME (2)", "NAME (3)", ...
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/names.h"
#include "service/centre_int.h"

static const char *const new_actors_names[] = {"reject", "create", "omit"};
TR_NAMES_DEFINE_PARSE(centre_new_actors, centre_new_actors, new_actors_names, 3)

static bool name_char(unsigned char ch) {
    return isalnum(ch) || strchr(" -_.()'&", ch);
}

/* Appends ch to out (n bytes so far), collapsing runs of spaces and of dashes. */
static size_t put(char *out, size_t n, char ch) {
    if (n == 0 && !isalnum((unsigned char)ch)) return 0; /* a name starts with a letter or digit */
    if (n > 0 && (ch == ' ' || ch == '-') && out[n - 1] == ch) return n;
    if (n < TR_NAME_MAX) out[n++] = ch;
    return n;
}

void centre__actor_name_from(const char *given, char out[TR_NAME_MAX + 1]) {
    size_t n = 0;
    bool cut = false;
    for (const unsigned char *p = (const unsigned char *)given; *p && !cut; p++) {
        size_t before = n;
        if (*p == ',') { /* "A, B" -> "A & B" */
            n = put(out, n, ' ');
            n = put(out, n, '&');
        } else {
            n = put(out, n, name_char(*p) ? (char)*p : '-');
        }
        cut = n == TR_NAME_MAX && before == TR_NAME_MAX;
    }
    if (cut || n == TR_NAME_MAX) { /* too long: end at the last whole name of a list, or word */
        static const char others[] = " & others";
        size_t amp = TR_NAME_MAX - (sizeof others - 1);
        while (amp > 0 && strncmp(out + amp, " & ", 3) != 0)
            amp--;
        size_t sp = n;
        while (sp > 0 && out[sp - 1] != ' ')
            sp--;
        if (amp > TR_NAME_MAX / 3) {
            memcpy(out + amp, others, sizeof others - 1);
            n = amp + sizeof others - 1;
        } else if (sp > TR_NAME_MAX / 2) {
            n = sp;
        }
    }
    while (n > 0 && !isalnum((unsigned char)out[n - 1]) && out[n - 1] != ')' && out[n - 1] != '.')
        n--;
    out[n] = '\0';
}

/* The name to try at attempt k (1: the base, k > 1: "base (k)", the base cut to fit). */
static void attempt_name(const char *base, int k, char out[TR_NAME_MAX + 1]) {
    if (k == 1) {
        snprintf(out, TR_NAME_MAX + 1, "%s", base);
        return;
    }
    char suffix[16];
    int sn = snprintf(suffix, sizeof suffix, " (%d)", k);
    int keep = (int)strlen(base);
    if (keep + sn > TR_NAME_MAX) keep = TR_NAME_MAX - sn;
    while (keep > 0 && base[keep - 1] == ' ')
        keep--;
    snprintf(out, TR_NAME_MAX + 1, "%.*s%s", keep, base, suffix);
}

#define NEW_ACTOR_ATTEMPTS 50

int centre__import_actor(centre *c, const char *by, const char *given, char name[TR_NAME_MAX + 1],
                         bool *created, tr_err *err) {
    char base[TR_NAME_MAX + 1];
    *created = false;
    centre__actor_name_from(given, base);
    if (!base[0])
        return tr_fail(err, TR_EINVAL, "", "'%.80s' holds no letter or digit to name an actor by", given);
    for (int k = 1; k <= NEW_ACTOR_ATTEMPTS; k++) {
        attempt_name(base, k, name);
        bool exists = false;
        char *full = NULL;
        tr_party p;
        int rc = store_actor_full_name(c->store, name, &exists, &full, err);
        if (rc) return rc;
        bool same = exists && strcmp(full ? full : name, given) == 0;
        free(full);
        if (same) return TR_OK;
        if (exists) continue;
        if ((rc = store_party_get(c->store, name, &p, err)) == TR_OK) continue;
        if (rc != TR_ENOTFOUND) return rc;
        rc = centre__actor_add_tx(c, by, NULL, name, strcmp(name, given) != 0 ? given : NULL, NULL, err);
        *created = rc == TR_OK;
        return rc;
    }
    return tr_fail(err, TR_EINVAL, "", "'%.80s': %d actors already have names like '%s'", given,
                   NEW_ACTOR_ATTEMPTS, base);
}
