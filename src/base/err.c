/* err.c — filling and describing tr_err values. */
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int tr_fail(tr_err *e, tr_code code, const char *field, const char *fmt, ...) {
    if (e == NULL) return code;
    e->code = code;
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return code;
}

void tr_err_prefix(tr_err *e, const char *parent) {
    if (e == NULL || parent == NULL || parent[0] == '\0') return;
    char buf[2 * sizeof e->field];
    const char *sep = e->field[0] == '\0' || e->field[0] == '[' ? "" : ".";
    snprintf(buf, sizeof buf, "%s%s%s", parent, sep, e->field);
    snprintf(e->field, sizeof e->field, "%.*s", (int)(sizeof e->field - 1), buf);
}

int tr_code_http_status(tr_code code) {
    switch (code) {
#define TR_STATUS(c, s, n) case c: return s;
        TR_CODE_MAP(TR_STATUS)
#undef TR_STATUS
    }
    return 500;
}

const char *tr_code_slug(tr_code code) {
    switch (code) {
#define TR_SLUG(c, s, n) case c: return n;
        TR_CODE_MAP(TR_SLUG)
#undef TR_SLUG
    }
    return "internal-error";
}
