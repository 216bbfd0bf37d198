/*
 * http_head.c — checks of a request head and the problems the edge answers with
 * (http_head.h). Field names follow RFC 9110 (tchar); lengths are bytes as sent.
 */
#include "edges/http_head.h"

#include <ctype.h>
#include <microhttpd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the request target ---- */

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The byte at s[i] as decoded (a %XX escape or the raw byte); *step its length. */
static int decoded_at(const char *s, size_t len, size_t i, size_t *step) {
    *step = 1;
    if (s[i] == '%' && i + 2 < len) {
        int hi = hexval((unsigned char)s[i + 1]), lo = hexval((unsigned char)s[i + 2]);
        if (hi >= 0 && lo >= 0) {
            *step = 3;
            return hi * 16 + lo;
        }
    }
    return (unsigned char)s[i];
}

static bool is_control(int c) {
    return c < 0x20 || c == 0x7f;
}

/* True when s[0..len) holds a control character, raw or percent-encoded, or a raw space. */
static bool has_control(const char *s, size_t len) {
    for (size_t i = 0, step; i < len; i += step) {
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f) return true;
        if (is_control(decoded_at(s, len, i, &step))) return true;
    }
    return false;
}

/* The decoded query parameter name s[0..len) into out (cap bytes), "+" as a space. */
static void decode_name(const char *s, size_t len, char *out, size_t cap) {
    size_t k = 0;
    for (size_t i = 0, step; i < len && k + 1 < cap; i += step) {
        int c = decoded_at(s, len, i, &step);
        out[k++] = c == '+' && step == 1 ? ' ' : (char)c;
    }
    out[k] = '\0';
}

int http_target_check(const char *target, size_t len, tr_err *err) {
    const char *q = memchr(target, '?', len);
    size_t plen = q ? (size_t)(q - target) : len;
    if (has_control(target, plen))
        return tr_fail(err, TR_EINVAL, "path", "holds a control character (such as NUL) or a space");
    for (const char *p = q ? q + 1 : NULL, *end = target + len; p && p <= end;) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *e = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(e - p));
        size_t nlen = eq ? (size_t)(eq - p) : (size_t)(e - p);
        char name[64];
        if (has_control(p, nlen))
            return tr_fail(err, TR_EINVAL, "query", "a parameter name holds a control character or a space");
        decode_name(p, nlen, name, sizeof name);
        if (eq && has_control(eq + 1, (size_t)(e - eq - 1)))
            return tr_fail(err, TR_EINVAL, name, "holds a control character (such as NUL) or a space");
        p = amp ? amp + 1 : NULL;
    }
    return TR_OK;
}

/* ---- the request line ---- */

static bool is_tchar(unsigned char c) {
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Checks "METHOD SP target SP HTTP/d.d"; *http11 tells HTTP/1.1; *target the target. */
static int check_request_line(const char *line, size_t len, bool *http11, const char **target, size_t *tlen,
                              tr_err *err) {
    size_t m = 0;
    while (m < len && is_tchar((unsigned char)line[m]))
        m++;
    const char *sp = m ? memchr(line + m, ' ', len - m) : NULL;
    if (m == 0 || m > 32 || sp != line + m)
        return tr_fail(err, TR_EINVAL, "", "malformed request line: expected METHOD /path HTTP/1.1");
    const char *t = sp + 1, *end = line + len;
    const char *sp2 = memchr(t, ' ', (size_t)(end - t));
    const char *v = sp2 ? sp2 + 1 : end;
    *target = t;
    *tlen = (size_t)((sp2 ? sp2 : end) - t);
    int rc = http_target_check(t, *tlen, err);
    if (rc) return rc;
    size_t vlen = (size_t)(end - v);
    if (*tlen == 0 || vlen != 8 || strncmp(v, "HTTP/", 5) != 0 || !isdigit((unsigned char)v[5]) ||
        v[6] != '.' || !isdigit((unsigned char)v[7]))
        return tr_fail(err, TR_EINVAL, "", "malformed request line: expected METHOD /path HTTP/1.1");
    if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
        return tr_fail(err, TR_EVERSION, "", "HTTP/%c.%c is not served: use HTTP/1.1", v[5], v[7]);
    *http11 = v[7] == '1';
    return TR_OK;
}

/* ---- header fields ---- */

typedef struct fields {
    bool host, te;
    bool has_cl;
    uint64_t cl;
} fields;

static bool name_is(const char *p, size_t n, const char *name) {
    return strlen(name) == n && strncasecmp(p, name, n) == 0;
}

/* The value of a Content-Length field: digits only (optional white space around). */
static int content_length(const char *v, size_t n, fields *f, tr_err *err) {
    while (n && (*v == ' ' || *v == '\t'))
        v++, n--;
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)v[i]))
            return tr_fail(err, TR_EINVAL, "Content-Length", "must be a number of bytes");
        if (x > (UINT64_MAX - 9) / 10)
            return tr_fail(err, TR_ETOOBIG, "Content-Length", "is larger than any body this server reads");
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    if (n == 0) return tr_fail(err, TR_EINVAL, "Content-Length", "must be a number of bytes");
    if (f->has_cl && f->cl != x)
        return tr_fail(err, TR_EINVAL, "Content-Length", "is given twice with different values");
    f->has_cl = true;
    f->cl = x;
    return TR_OK;
}

/* Checks one header line (without its line end). */
static int check_field(const char *p, size_t len, fields *f, tr_err *err) {
    if (len && (p[0] == ' ' || p[0] == '\t'))
        return tr_fail(err, TR_EINVAL, "", "a header line starts with white space (obsolete line folding)");
    size_t n = 0;
    while (n < len && is_tchar((unsigned char)p[n]))
        n++;
    if (n == 0 || n == len || p[n] != ':')
        return tr_fail(err, TR_EINVAL, "", "malformed header line: expected Name: value");
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)(n < 63 ? n : 63), p);
    for (size_t i = n + 1; i < len; i++)
        if (p[i] != '\t' && is_control((unsigned char)p[i]))
            return tr_fail(err, TR_EINVAL, name, "holds a control character");
    if (name_is(p, n, "Host")) {
        if (f->host) return tr_fail(err, TR_EINVAL, "Host", "is given twice");
        f->host = true;
    }
    if (name_is(p, n, "Transfer-Encoding")) f->te = true;
    if (name_is(p, n, "Content-Length")) return content_length(p + n + 1, len - n - 1, f, err);
    return TR_OK;
}

/* The length of the line at p (up to buf + n) without its end, and where the next starts;
 * false when the line is not complete. */
static bool next_line(const char *p, const char *end, size_t *len, const char **next) {
    const char *e = memchr(p, '\n', (size_t)(end - p));
    if (!e) return false;
    *len = (size_t)(e - p) - (e > p && e[-1] == '\r');
    *next = e + 1;
    return true;
}

/* A head over a limit: 414 while in the request line, else 431. */
static http_head_verdict too_long(bool line, tr_err *err) {
    if (line)
        tr_fail(err, TR_EURI, "", "the request line is longer than %d bytes", HTTP_MAX_LINE);
    else
        tr_fail(err, TR_EHEADERS, "", "the request head is longer than %d bytes", HTTP_MAX_HEAD);
    return HEAD_BAD;
}

/* Checks the header lines from p; HEAD_OK sets *head_end past the blank line. */
static http_head_verdict check_fields(const char *p, const char *end, bool http11, const char **head_end,
                                      tr_err *err) {
    fields f = {0};
    size_t len;
    const char *next;
    for (;; p = next) {
        if (!next_line(p, end, &len, &next)) return HEAD_MORE;
        if (len == 0) break;
        if (check_field(p, len, &f, err)) return HEAD_BAD;
    }
    *head_end = next;
    if (http11 && !f.host) {
        tr_fail(err, TR_EINVAL, "Host", "is required in HTTP/1.1");
        return HEAD_BAD;
    }
    if (f.te && f.has_cl) {
        tr_fail(err, TR_EINVAL, "Transfer-Encoding", "and Content-Length may not both be given");
        return HEAD_BAD;
    }
    return HEAD_OK;
}

http_head_verdict http_head_check(const char *buf, size_t n, size_t *head_len, tr_err *err) {
    const char *p = buf, *end = buf + n, *next;
    while (p < end && (*p == '\r' || *p == '\n'))
        p++;
    size_t len;
    if (!next_line(p, end, &len, &next)) {
        if ((size_t)(end - p) > HTTP_MAX_LINE || n > HTTP_MAX_HEAD)
            return too_long((size_t)(end - p) > HTTP_MAX_LINE, err);
        return HEAD_MORE;
    }
    if (len > HTTP_MAX_LINE) return too_long(true, err);
    bool http11 = false;
    const char *target, *head_end = NULL;
    size_t tlen;
    if (check_request_line(p, len, &http11, &target, &tlen, err)) return HEAD_BAD;
    http_head_verdict v = check_fields(next, end, http11, &head_end, err);
    if (v == HEAD_MORE && n > HTTP_MAX_HEAD) return too_long(false, err);
    if (v != HEAD_OK) return v;
    *head_len = (size_t)(head_end - buf);
    return *head_len > HTTP_MAX_HEAD ? too_long(false, err) : HEAD_OK;
}

/* ---- problems ---- */

json_t *http_problem_json(const tr_err *err, const char *instance, const json_t *extra) {
    int status = tr_code_http_status(err->code);
    json_t *p = json_object();
    if (!p) return NULL;
    char type[96];
    snprintf(type, sizeof type, "urn:truce:problem:%s", tr_code_slug(err->code));
    const char *title = MHD_get_reason_phrase_for((unsigned)status);
    json_object_set_new(p, "type", json_string(type));
    json_object_set_new(p, "title", json_string(title && title[0] ? title : "Error"));
    json_object_set_new(p, "status", json_integer(status));
    if (err->field[0]) {
        char detail[sizeof err->field + sizeof err->msg + 4];
        snprintf(detail, sizeof detail, "%s: %s", err->field, err->msg);
        json_object_set_new(p, "detail", json_string(detail));
        json_object_set_new(p, "field", json_string(err->field));
    } else {
        json_object_set_new(p, "detail", json_string(err->msg));
    }
    json_object_set_new(p, "reason", json_string(err->msg));
    /* json_string refuses bytes that are not UTF-8: a hostile path then has no instance */
    if (instance) json_object_set_new(p, "instance", json_string(instance));
    if (extra) json_object_update_missing(p, (json_t *)extra);
    return p;
}

char *http_problem_response(const tr_err *err, const char *instance, size_t *len) {
    json_t *p = http_problem_json(err, instance, NULL);
    char *body = p ? json_dumps(p, JSON_COMPACT) : NULL;
    json_decref(p);
    if (!body) return NULL;
    int status = tr_code_http_status(err->code);
    const char *reason = MHD_get_reason_phrase_for((unsigned)status);
    size_t blen = strlen(body), cap = blen + 512;
    char *out = malloc(cap);
    if (out) {
        int h = snprintf(
            out, cap,
            "HTTP/1.1 %d %s\r\nContent-Type: application/problem+json\r\nContent-Length: %zu\r\n"
            "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n%sConnection: close\r\n\r\n",
            status, reason && reason[0] ? reason : "Error", blen,
            status == 429 || status == 503 ? "Retry-After: 1\r\n" : "");
        memcpy(out + h, body, blen);
        *len = (size_t)h + blen;
    }
    free(body);
    return out;
}
