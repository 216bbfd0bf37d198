/*
 * static.h — the dashboard's files (web/dist) served by `truce serve` at `/`.
 *
 * The HTTP edge asks here only when no API route matched a GET or HEAD: a path under
 * /v1/ or /metrics is never a file, so API paths keep their 404/405 problems. A path
 * maps to a regular file under the web root ("/" to index.html); a segment "." or
 * "..", a hidden segment (".git"), a backslash or a file whose real path leaves the
 * root (a symbolic link out) is not served. Hashed assets (/assets/) are cached for a
 * year; everything else is revalidated (no-cache). Every answer carries nosniff and a
 * Content-Security-Policy that lets the page load and fetch only from this server.
 */
#ifndef TRUCE_EDGES_STATIC_H
#define TRUCE_EDGES_STATIC_H

#include <stdbool.h>
#include <stddef.h>

struct MHD_Response;

/* True if method and path may name a file: GET or HEAD, outside /v1/ and /metrics. */
bool static_path_eligible(const char *method, const char *path);

/* The response for path under root (an existing directory), or NULL when there is no
 * such servable file (the caller answers its 404). *size gets the body's length. The
 * caller queues and destroys the response. */
struct MHD_Response *static_response(const char *root, const char *path, size_t *size);

/* Finds the default web root: web/dist beside the binary's build directory or the
 * repository (exe/../web/dist, exe/web/dist, ./web/dist), as an absolute path in out.
 * Returns false (out empty) when none holds an index.html. */
bool static_default_root(char *out, size_t n);

#endif
