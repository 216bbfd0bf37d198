/*
 * store_group.h — group commit (issue 19): concurrent writes share one flush.
 *
 * With group commit on, a store commits each write without waiting for the disk (SQLite:
 * WAL with synchronous=NORMAL for that commit; PostgreSQL: synchronous_commit off for that
 * transaction), tells the group (store__group_committed, under its writer lock), and only
 * then — outside the writer lock — waits until one flush covers that commit. A flush is
 * one fdatasync of the WAL (PostgreSQL: one synchronous commit on a connection of its
 * own, which flushes the WAL up to it), done by whichever waiting thread finds none in
 * progress (the leader): every commit made while the previous flush ran is covered by
 * the next one. Commits are numbered in commit order; the WAL is a prefix, so a flush
 * that covers commit n covers every commit before it.
 *
 * A thread that answers a request (the HTTP edge) defers the wait (store_defer_durable)
 * and waits once before it answers (store_sync), after every lock of the service is
 * released; every other thread waits inside store_commit, as before.
 *
 * Not part of store.h: the SQLite store (and later the PostgreSQL one) embeds a group;
 * store.h's store_group_commit / store_defer_durable / store_sync / store_commit_stats
 * are implemented here over store__group(s).
 *
 * Threads: every function may be called from any thread. A flush that fails is fatal
 * (the process aborts with the reason): a commit other requests may have read is then
 * of unknown durability, and retrying an fsync does not tell (PostgreSQL panics too).
 */
#ifndef TRUCE_STORE_GROUP_H
#define TRUCE_STORE_GROUP_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"

typedef struct store_group store_group;

/* Makes everything committed so far durable (an fsync); 0 or a tr_code. */
typedef int (*store_group_flush_fn)(void *ctx, tr_err *err);

/* A group, off (every commit durable by itself). NULL when out of memory. */
store_group *store_group_new(store_group_flush_fn flush, void *ctx);
void store_group_free(store_group *g);
/* Whether commits now skip their own flush (read by the store before each BEGIN). */
bool store__group_on(store_group *g);
/* After a write ended, under the store's writer lock: the write's number. in_db: its
 * transaction COMMITted (with every write released into it before); false: the write was
 * released into the open shared transaction, which a later COMMIT ends. */
uint64_t store__group_committed(store_group *g, bool in_db);
/* Under the writer lock, after the open shared transaction COMMITted: every write ended
 * so far is in the database. */
void store__group_in_db(store_group *g);
/* Whether this thread's writes may share a transaction: group commit is on and the thread
 * defers its wait (store_defer_durable: it waits in store_sync, holding no lock). */
bool store__group_joins(store_group *g);
/* Commits the store's open shared transaction, if any (takes the writer lock; a failed
 * COMMIT is fatal: store_sqlite.c). Set once by store_open. */
typedef void (*store_group_batch_fn)(void *ctx);
void store__group_set_batch(store_group *g, store_group_batch_fn fn, void *ctx);
/* After the writer lock is released: waits for the flush covering this thread's commits
 * unless this thread defers (store_defer_durable). */
int store__group_after_commit(store_group *g, tr_err *err);

/* The flush of a SQLite database in WAL mode: fdatasync of "<path>-wal" (of the database
 * file itself when there is no WAL). ctx is the path (a string the store owns). */
int store_group_flush_sqlite(void *ctx, tr_err *err);

#endif
