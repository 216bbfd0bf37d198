/*
 * static.c — serving the dashboard's built files (see static.h for the rules).
 */
#include "edges/static.h"

#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATIC_MAX_PATH 1024

/* Media types by file extension; anything else is application/octet-stream. */
static const struct {
    const char *ext;
    const char *type;
} media_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
};

/* The page may load and fetch only from this server; Leaflet positions with inline styles
 * and draws markers from data: URIs. */
static const char csp[] = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
                          "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

bool static_path_eligible(const char *method, const char *path) {
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) return false;
    if (path[0] != '/') return false;
    if (strcmp(path, "/v1") == 0 || strncmp(path, "/v1/", 4) == 0) return false;
    if (strcmp(path, "/metrics") == 0 || strncmp(path, "/metrics/", 9) == 0) return false;
    return true;
}

/* True if every segment of path (after the leading '/') is a plain name: not empty
 * (except a final one, "/"), not starting with '.', no backslash. */
static bool plain_segments(const char *path) {
    if (strchr(path, '\\')) return false;
    for (const char *s = path + 1; *s;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 0 && e) return false; /* "//" */
        if (n > 0 && s[0] == '.') return false;
        s = e ? e + 1 : s + n;
    }
    return true;
}

static const char *media_type(const char *file) {
    const char *dot = strrchr(file, '.');
    const char *slash = strrchr(file, '/');
    if (dot && (!slash || dot > slash))
        for (size_t i = 0; i < sizeof media_types / sizeof *media_types; i++)
            if (strcmp(dot, media_types[i].ext) == 0) return media_types[i].type;
    return "application/octet-stream";
}

/* Opens the regular file path names under root; -1 if it is not one we serve. */
static int open_under(const char *root, const char *path, char *real, size_t rn, struct stat *st) {
    char want[STATIC_MAX_PATH * 2], root_real[PATH_MAX];
    size_t pl = strlen(path);
    if (pl > STATIC_MAX_PATH || !plain_segments(path)) return -1;
    const char *tail = path[pl - 1] == '/' ? "index.html" : "";
    snprintf(want, sizeof want, "%s%s%s", root, path, tail);
    if (!realpath(root, root_real) || rn < PATH_MAX || !realpath(want, real)) return -1;
    size_t n = strlen(root_real);
    if (strncmp(real, root_real, n) != 0 || real[n] != '/') return -1; /* a link out of the root */
    int fd = open(real, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        return -1;
    }
    return fd;
}

struct MHD_Response *static_response(const char *root, const char *path, size_t *size) {
    char real[PATH_MAX];
    struct stat st;
    int fd = open_under(root, path, real, sizeof real, &st);
    if (fd < 0) return NULL;
    struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)st.st_size, fd); /* owns fd */
    if (!r) {
        close(fd);
        return NULL;
    }
    bool hashed = strncmp(path, "/assets/", 8) == 0;
    MHD_add_response_header(r, "Content-Type", media_type(real));
    MHD_add_response_header(r, "Cache-Control", hashed ? "public, max-age=31536000, immutable" : "no-cache");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Content-Security-Policy", csp);
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    *size = (size_t)st.st_size;
    return r;
}

/* True if dir/index.html is a regular file; then dir's real path goes into out. */
static bool try_root(const char *dir, char *out, size_t n) {
    char idx[PATH_MAX + 16], real[PATH_MAX];
    struct stat st;
    int w = snprintf(idx, sizeof idx, "%s/index.html", dir);
    if (w < 0 || (size_t)w >= sizeof idx) return false; /* a path too long to be a root */
    if (stat(idx, &st) != 0 || !S_ISREG(st.st_mode) || !realpath(dir, real) || strlen(real) >= n) return false;
    snprintf(out, n, "%s", real);
    return true;
}

bool static_default_root(char *out, size_t n) {
    char exe[PATH_MAX], cand[PATH_MAX + 32];
    if (n) out[0] = '\0';
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) *slash = '\0';
        static const char *const rel[] = {"/../web/dist", "/web/dist", "/../share/truce/web"};
        for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
            snprintf(cand, sizeof cand, "%s%s", exe, rel[i]);
            if (try_root(cand, out, n)) return true;
        }
    }
    return try_root("web/dist", out, n);
}
