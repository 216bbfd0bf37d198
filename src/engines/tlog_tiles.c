/*
 * tlog_tiles.c — C2SP tlog-tiles: tile and entry-bundle paths, tile contents from a
 * tlog_reader, the tiles a growing log publishes, entry bundles, and a tlog_reader that
 * recomputes node hashes from tiles.
 *
 * A tile at level L holds nodes of tree level 8L (invariant 6 of tlog.h): tile (L, N, W)
 * is nodes (8L, N*256) .. (8L, N*256 + W - 1). Node (l, i) with l = 8L + r lies in the
 * level-L tile as the 2^r consecutive hashes starting at i*2^r, which it is the root of.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engines/tlog.h"
#include "engines/tlog_int.h"

/* ---------------------------------------------------------------- paths */

static int tile_valid(const tlog_tile *t) {
    return (t->level == TLOG_TILE_ENTRIES || (t->level >= 0 && t->level <= 63)) && t->width >= 1 &&
           t->width <= TLOG_TILE_WIDTH;
}

int tlog_tile_path(const tlog_tile *t, char *buf, size_t cap, tr_err *err) {
    if (!tile_valid(t)) return tr_fail(err, TR_EINVAL, "tile", "not a tile: level or width out of range");
    if (cap < TLOG_TILE_PATH_MAX) return tr_fail(err, TR_EINVAL, "", "tile path buffer too small");
    unsigned groups[7];
    int ng = 0;
    uint64_t n = t->index;
    do {
        groups[ng++] = (unsigned)(n % 1000);
        n /= 1000;
    } while (n > 0);
    int off = t->level == TLOG_TILE_ENTRIES ? snprintf(buf, cap, "tile/entries/")
                                            : snprintf(buf, cap, "tile/%d/", t->level);
    for (int g = ng - 1; g > 0; g--)
        off += snprintf(buf + off, cap - (size_t)off, "x%03u/", groups[g]);
    off += snprintf(buf + off, cap - (size_t)off, "%03u", groups[0]);
    if (t->width < TLOG_TILE_WIDTH) snprintf(buf + off, cap - (size_t)off, ".p/%u", t->width);
    return 0;
}

/* Reads exactly three decimal digits. */
static int three_digits(const char **p, unsigned *out) {
    const char *s = *p;
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9') return -1;
    *out = (unsigned)(s[0] - '0') * 100 + (unsigned)(s[1] - '0') * 10 + (unsigned)(s[2] - '0');
    *p = s + 3;
    return 0;
}

/* A decimal number without leading zeroes, at most max. */
static int small_decimal(const char **p, unsigned max, unsigned *out) {
    const char *s = *p;
    unsigned v = 0;
    if (*s < '0' || *s > '9') return -1;
    if (*s == '0' && s[1] >= '0' && s[1] <= '9') return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (unsigned)(*s - '0');
        if (v > max) return -1;
    }
    *out = v;
    *p = s;
    return 0;
}

int tlog_tile_parse_path(const char *path, tlog_tile *out, tr_err *err) {
    const char *p = path;
    tlog_tile t = {0, 0, TLOG_TILE_WIDTH};
    unsigned v = 0;
    if (strncmp(p, "tile/", 5) != 0) goto bad;
    p += 5;
    if (strncmp(p, "entries/", 8) == 0) {
        t.level = TLOG_TILE_ENTRIES;
        p += 8;
    } else {
        if (small_decimal(&p, 63, &v) != 0 || *p++ != '/') goto bad;
        t.level = (int)v;
    }
    /* N: "xDDD/" elements, then a final "DDD"; the first x-element is not x000. */
    for (int g = 0;; g++) {
        int x = *p == 'x';
        if (g >= 7) goto bad;
        p += x;
        if (three_digits(&p, &v) != 0) goto bad;
        if (g == 0 && x && v == 0) goto bad;
        if (t.index > (UINT64_MAX - v) / 1000) goto bad;
        t.index = t.index * 1000 + v;
        if (!x) break;
        if (*p++ != '/') goto bad;
    }
    if (strncmp(p, ".p/", 3) == 0) {
        p += 3;
        if (small_decimal(&p, TLOG_TILE_WIDTH - 1, &v) != 0 || v == 0) goto bad;
        t.width = v;
    }
    if (*p != '\0') goto bad;
    *out = t;
    return 0;
bad:
    return tr_fail(err, TR_EINVAL, "path",
                   "not a tile path: expected tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>]");
}

/* ---------------------------------------------------------------- tiles of a tree */

/* Hashes at tile level L in a tree of size n: n / 256^L. */
static uint64_t level_width(int level, uint64_t n) {
    int shift = TLOG_TILE_HEIGHT * (level < 0 ? 0 : level);
    return shift >= 64 ? 0 : n >> shift;
}

int tlog_tile_check(const tlog_tile *t, uint64_t n, tr_err *err) {
    if (!tile_valid(t)) return tr_fail(err, TR_EINVAL, "tile", "not a tile: level or width out of range");
    uint64_t s = level_width(t->level, n);
    if (s < t->width || t->index > (s - t->width) / TLOG_TILE_WIDTH)
        return tr_fail(err, TR_ENOTFOUND, "tile", "no such tile in a tree of size %llu",
                       (unsigned long long)n);
    return 0;
}

int tlog_tile_at(int level, uint64_t index, uint64_t n, tlog_tile *out, tr_err *err) {
    uint64_t s = level_width(level, n);
    uint64_t start = s / TLOG_TILE_WIDTH;
    if (level < TLOG_TILE_ENTRIES || level > 63 || index > start ||
        (index == start && s % TLOG_TILE_WIDTH == 0))
        return tr_fail(err, TR_ENOTFOUND, "tile", "no such tile in a tree of size %llu",
                       (unsigned long long)n);
    *out = (tlog_tile){level, index, index < start ? TLOG_TILE_WIDTH : (unsigned)(s % TLOG_TILE_WIDTH)};
    return 0;
}

int tlog_tile_read(const tlog_reader *r, const tlog_tile *t, uint64_t n, uint8_t *out, size_t cap,
                   size_t *len, tr_err *err) {
    *len = 0;
    if (t->level == TLOG_TILE_ENTRIES)
        return tr_fail(err, TR_EINVAL, "tile", "an entry bundle is made from entries, not hashes");
    int rc = tlog_tile_check(t, n, err);
    if (rc != 0) return rc;
    if (cap < (size_t)t->width * TLOG_HASH_SIZE) return tr_fail(err, TR_EINVAL, "", "tile buffer too small");
    tlog_node nodes[TLOG_TILE_WIDTH];
    tlog_hash hashes[TLOG_TILE_WIDTH];
    for (unsigned k = 0; k < t->width; k++)
        nodes[k] = (tlog_node){TLOG_TILE_HEIGHT * t->level, t->index * TLOG_TILE_WIDTH + k};
    rc = r->read(r->ctx, nodes, t->width, hashes, err);
    if (rc != 0) return rc;
    for (unsigned k = 0; k < t->width; k++)
        memcpy(out + (size_t)k * TLOG_HASH_SIZE, hashes[k].b, TLOG_HASH_SIZE);
    *len = (size_t)t->width * TLOG_HASH_SIZE;
    return 0;
}

/* Calls fn for one tile, and for the entry bundle beside a level-0 tile. */
static int emit(int level, uint64_t index, unsigned width, int (*fn)(void *, const tlog_tile *), void *ctx) {
    tlog_tile t = {level, index, width};
    int rc = fn(ctx, &t);
    if (rc != 0 || level != 0) return rc;
    t.level = TLOG_TILE_ENTRIES;
    return fn(ctx, &t);
}

int tlog_tiles_new(uint64_t old_n, uint64_t new_n, int (*fn)(void *ctx, const tlog_tile *t), void *ctx) {
    if (old_n > new_n || new_n > TLOG_SIZE_MAX) return TR_EINVAL;
    for (int level = 0; level_width(level, new_n) > 0; level++) {
        uint64_t o = level_width(level, old_n), w = level_width(level, new_n);
        if (o == w) continue;
        /* Full tiles completed since old_n, then the new partial tile if any. */
        for (uint64_t n = o / TLOG_TILE_WIDTH; n < w / TLOG_TILE_WIDTH; n++) {
            int rc = emit(level, n, TLOG_TILE_WIDTH, fn, ctx);
            if (rc != 0) return rc;
        }
        if (w % TLOG_TILE_WIDTH != 0) {
            int rc = emit(level, w / TLOG_TILE_WIDTH, (unsigned)(w % TLOG_TILE_WIDTH), fn, ctx);
            if (rc != 0) return rc;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- entry bundles */

int tlog_bundle_add(uint8_t *buf, size_t cap, size_t *len, const void *entry, size_t entry_len, tr_err *err) {
    if (entry_len > TLOG_ENTRY_MAX)
        return tr_fail(err, TR_EINVAL, "entry", "an entry of %zu bytes is longer than %d", entry_len,
                       TLOG_ENTRY_MAX);
    if (*len > cap || cap - *len < 2 + entry_len)
        return tr_fail(err, TR_EINVAL, "", "bundle buffer too small");
    buf[*len] = (uint8_t)(entry_len >> 8);
    buf[*len + 1] = (uint8_t)entry_len;
    if (entry_len > 0) memcpy(buf + *len + 2, entry, entry_len);
    *len += 2 + entry_len;
    return 0;
}

int tlog_bundle_split(const uint8_t *data, size_t len, const uint8_t **entries, size_t *lens, size_t cap,
                      size_t *count, tr_err *err) {
    size_t off = 0, n = 0;
    *count = 0;
    while (off < len) {
        if (len - off < 2)
            return tr_fail(err, TR_EINVAL, "bundle", "truncated entry length at byte %zu", off);
        size_t el = (size_t)data[off] << 8 | data[off + 1];
        if (len - off - 2 < el) return tr_fail(err, TR_EINVAL, "bundle", "truncated entry at byte %zu", off);
        if (n == cap) return tr_fail(err, TR_EINVAL, "bundle", "more than %zu entries", cap);
        entries[n] = data + off + 2;
        lens[n++] = el;
        off += 2 + el;
    }
    *count = n;
    return 0;
}

/* ---------------------------------------------------------------- reading from tiles */

#define TILE_CACHE 4

struct tlog_tile_reader {
    uint64_t n;
    tlog_tile_source src;
    unsigned clock; /* next cache slot to replace */
    struct {
        int valid;
        tlog_tile tile;
        uint8_t data[TLOG_TILE_WIDTH * TLOG_HASH_SIZE];
    } cache[TILE_CACHE];
};

tlog_tile_reader *tlog_tile_reader_new(uint64_t n, tlog_tile_source src) {
    tlog_tile_reader *tr = calloc(1, sizeof *tr);
    if (tr == NULL) return NULL;
    tr->n = n;
    tr->src = src;
    return tr;
}

void tlog_tile_reader_free(tlog_tile_reader *tr) {
    free(tr);
}

/* The data of tile t, from the cache or the source. */
static int tile_data(tlog_tile_reader *tr, const tlog_tile *t, const uint8_t **out, tr_err *err) {
    for (int k = 0; k < TILE_CACHE; k++)
        if (tr->cache[k].valid && memcmp(&tr->cache[k].tile, t, sizeof *t) == 0) {
            *out = tr->cache[k].data;
            return 0;
        }
    unsigned slot = tr->clock++ % TILE_CACHE;
    tr->cache[slot].valid = 0;
    int rc = tr->src.read_tile(tr->src.ctx, t, tr->cache[slot].data, err);
    if (rc != 0) return rc;
    tr->cache[slot].valid = 1;
    tr->cache[slot].tile = *t;
    *out = tr->cache[slot].data;
    return 0;
}

static int tile_read_node(tlog_tile_reader *tr, const tlog_node *node, tlog_hash *out, tr_err *err) {
    int l = node->level;
    if (l < 0 || l >= 63 || node->index >= tr->n >> l)
        return tr_fail(err, TR_ENOTFOUND, "", "node (%d, %llu) is not in a tree of size %llu", l,
                       (unsigned long long)node->index, (unsigned long long)tr->n);
    int r = l % TLOG_TILE_HEIGHT;
    uint64_t first = node->index << r; /* first hash at the tile level */
    unsigned count = 1u << r;
    tlog_tile t;
    int rc = tlog_tile_at(l / TLOG_TILE_HEIGHT, first / TLOG_TILE_WIDTH, tr->n, &t, err);
    if (rc != 0) return rc;
    unsigned off = (unsigned)(first % TLOG_TILE_WIDTH);
    if (off + count > t.width) return tr_fail(err, TR_EINTERNAL, "", "tlog: bad tile math");
    const uint8_t *data = NULL;
    rc = tile_data(tr, &t, &data, err);
    if (rc != 0) return rc;
    tlog_hash h[TLOG_TILE_WIDTH / 2];
    for (unsigned k = 0; k < count; k++)
        memcpy(h[k].b, data + (size_t)(off + k) * TLOG_HASH_SIZE, TLOG_HASH_SIZE);
    for (; count > 1; count /= 2)
        for (unsigned k = 0; k < count / 2; k++)
            tlog_hash_node(&h[2 * k], &h[2 * k + 1], &h[k]);
    *out = h[0];
    return 0;
}

static int tile_read(void *ctx, const tlog_node *nodes, size_t n, tlog_hash *hashes, tr_err *err) {
    for (size_t k = 0; k < n; k++) {
        int rc = tile_read_node(ctx, &nodes[k], &hashes[k], err);
        if (rc != 0) return rc;
    }
    return 0;
}

tlog_reader tlog_tile_reader_reader(tlog_tile_reader *tr) {
    return (tlog_reader){tr, tile_read};
}
