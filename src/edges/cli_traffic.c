/*
 * cli_traffic.c — the command line of live tracks (issue 16, docs/traffic.md): `truce feed
 * sbs` (an ADS-B receiver's SBS-1 stream), `truce feed file` (a recorded file, at its own
 * pace or faster), `truce replay` (detection again over what is stored), and the traffic
 * options of `truce serve`.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/json_text.h"
#include "base/timeutil.h"
#include "edges/cli_int.h"
#include "edges/feed.h"
#include "edges/sbs.h"
#include "service/centre_traffic.h"

/* ---- serve's options ---- */

/* Up to n comma-separated numbers; returns how many, or -1. */
static int numbers(const char *s, double *v, int n) {
    int k = 0;
    const char *p = s;
    while (p && *p && k < n) {
        char *end;
        v[k++] = strtod(p, &end);
        if (end == p || (*end && *end != ',')) return -1;
        p = *end ? end + 1 : NULL;
    }
    return p && *p ? -1 : k;
}

int cli__traffic_options(const cli_cmd *cmd, const cli_args *a, tf_config *cfg, double *stale_s) {
    static const struct {
        const char *name;
        int count;
        const char *what;
    } opts[] = {{"--traffic-separation-m", 2, "two numbers, horizontal and vertical metres"},
                {"--traffic-lookahead-s", 1, "a number of seconds"},
                {"--traffic-levels-s", 3, "three numbers of seconds, decreasing"},
                {"--traffic-low-altitude-m", 1, "a number of metres"},
                {"--track-stale-s", 1, "a number of seconds"}};
    double v[5][3];
    for (size_t i = 0; i < sizeof opts / sizeof *opts; i++)
        if (numbers(cli__opt(cmd, a, opts[i].name), v[i], 3) != opts[i].count) {
            char msg[160];
            snprintf(msg, sizeof msg, "%s: expected %s", opts[i].name, opts[i].what);
            return cli__usage_error(cmd, "%s", msg);
        }
    *cfg = tf_config_default();
    cfg->horizontal_m = v[0][0];
    cfg->vertical_m = v[0][1];
    cfg->lookahead_s = v[1][0];
    memcpy(cfg->level_s, v[2], sizeof cfg->level_s);
    cfg->low_altitude_m = v[3][0];
    *stale_s = v[4][0];
    tr_err err = {0};
    if (tf_config_check(cfg, &err) || !(*stale_s >= 1 && *stale_s <= 86400)) {
        fprintf(stderr, "truce %s: traffic options: %s\n", cmd->name,
                err.code ? err.msg : "--track-stale-s must be in [1, 86400]");
        return CLI_USAGE;
    }
    return 0;
}

/* ---- feeds ---- */

static volatile sig_atomic_t stopping;

static void on_stop(int sig) {
    (void)sig;
    stopping = 1;
}

static void catch_stop(void) {
    struct sigaction sa = {0};
    sa.sa_handler = on_stop; /* no SA_RESTART: poll and sleeps return early */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* What a feed command was given. */
typedef struct feed_opts {
    const char *party;
    unsigned flush_ms;
    double max_seconds; /* 0: none */
    bool has_vis;
    tr_vis vis;
    bool clock_received; /* positions dated when read, not by the message */
} feed_opts;

/* "public" or comma-separated party names. */
static int parse_vis(const char *s, tr_vis *out, tr_err *err) {
    json_t *j = strcmp(s, "public") == 0 ? json_string(s) : json_array();
    char *copy = json_is_array(j) ? strdup(s) : NULL, *save = NULL;
    for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save))
        json_array_append_new(j, json_string(t));
    free(copy);
    int rc = tr_vis_parse(j, "--visibility", out, err);
    json_decref(j);
    return rc;
}

static int feed_common(const cli_cmd *cmd, const cli_args *a, feed_opts *o, feed_sink **sink) {
    memset(o, 0, sizeof *o);
    o->party = cli__opt(cmd, a, "--as");
    if (!o->party) return cli__usage_error(cmd, "%s", "--as PARTY is required");
    unsigned long long flush = 0, maxs = 0;
    if (cli__parse_uint(cmd, "--flush-ms", cli__opt(cmd, a, "--flush-ms"), 60000, &flush)) return CLI_USAGE;
    const char *ms = cli__opt(cmd, a, "--max-seconds");
    if (ms && cli__parse_uint(cmd, "--max-seconds", ms, 86400ull * 365, &maxs)) return CLI_USAGE;
    o->flush_ms = (unsigned)flush;
    o->max_seconds = (double)maxs;
    const char *vis = cli__opt(cmd, a, "--visibility");
    tr_err verr = {0};
    if (vis && parse_vis(vis, &o->vis, &verr)) return cli__usage_error(cmd, "--visibility: %s", verr.msg);
    o->has_vis = vis != NULL;
    const char *url = cli__opt(cmd, a, "--url"), *token = cli__opt(cmd, a, "--token");
    if (!token) token = getenv("TRUCE_TOKEN");
    if (url && !token) return cli__usage_error(cmd, "%s", "--url needs --token T (or $TRUCE_TOKEN)");
    tr_err err = {0};
    int rc = url ? feed_sink_open_url(url, token, o->party, sink, &err)
                 : feed_sink_open_db(cli__opt(cmd, a, "--db"), o->party, sink, &err);
    return rc ? cli__runtime_error(cmd, &err) : 0;
}

static int feed_report(const cli_cmd *cmd, feed_sink *s, const sbs_stats *st, int rc, const tr_err *err) {
    const feed_stats *f = feed_sink_stats(s);
    fprintf(stderr, "truce %s: %ld positions sent in %ld batches, %ld dropped, %ld alert changes", cmd->name,
            f->sent, f->batches, f->dropped, f->alerts);
    if (st)
        fprintf(stderr, "; lines %ld, malformed %ld, skipped %ld, without a velocity %ld, not later %ld",
                st->lines, st->malformed, st->skipped, st->no_velocity, st->not_later);
    fputc('\n', stderr);
    feed_sink_close(s);
    return rc ? cli__runtime_error(cmd, err) : CLI_OK;
}

/* One SBS line: parsed, tracked, and its position (if any) batched. */
static int sbs_line(const char *line, sbs_tracker *tr, sbs_stats *st, feed_batch *b, const feed_opts *o,
                    tr_err *err) {
    sbs_msg m;
    tr_err perr = {0};
    st->lines++;
    int rc = sbs_parse_line(line, &m, &perr);
    if (rc == TR_ENOTFOUND) {
        st->skipped++;
        return TR_OK;
    }
    if (rc) {
        if (st->malformed++ < 10)
            fprintf(stderr, "truce feed: line %ld: %s: %s\n", st->lines, perr.field, perr.msg);
        return TR_OK;
    }
    int64_t now = tr_time_now_ms();
    if (o->clock_received) m.at_ms = now;
    tr_position p;
    if (!sbs_tracker_add(tr, &m, &p, st)) return TR_OK;
    return feed_batch_add(b, &p, o->has_vis ? &o->vis : NULL, now, err);
}

/* Reads the receiver's stream until it closes, the time is up or a signal. */
static int sbs_stream(int fd, const feed_opts *o, feed_sink *s, sbs_stats *st, tr_err *err) {
    sbs_tracker *tr = sbs_tracker_new();
    feed_batch b = {0};
    char buf[65536];
    size_t len = 0;
    int64_t t0 = tr_time_now_ms();
    int rc = tr ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
    while (rc == TR_OK && !stopping) {
        int64_t now = tr_time_now_ms();
        if (o->max_seconds > 0 && now - t0 >= o->max_seconds * 1000) break;
        struct pollfd pfd = {fd, POLLIN, 0};
        int ready = poll(&pfd, 1, (int)(o->flush_ms < 200 ? o->flush_ms : 200));
        if (ready > 0) {
            ssize_t got = read(fd, buf + len, sizeof buf - 1 - len);
            if (got <= 0) break; /* the receiver closed the stream */
            len += (size_t)got;
            buf[len] = '\0';
            char *start = buf, *nl;
            while (rc == TR_OK && (nl = memchr(start, '\n', len - (size_t)(start - buf)))) {
                *nl = '\0';
                rc = sbs_line(start, tr, st, &b, o, err);
                start = nl + 1;
            }
            len -= (size_t)(start - buf);
            memmove(buf, start, len);
            if (len == sizeof buf - 1) len = 0; /* a line longer than the buffer: dropped */
        }
        if (rc == TR_OK) rc = feed_batch_flush(&b, s, tr_time_now_ms(), o->flush_ms, false, err);
    }
    if (rc == TR_OK && len) { /* a last line without its end */
        buf[len] = '\0';
        rc = sbs_line(buf, tr, st, &b, o, err);
    }
    if (rc == TR_OK) rc = feed_batch_flush(&b, s, tr_time_now_ms(), o->flush_ms, true, err);
    feed_batch_free(&b);
    sbs_tracker_free(tr);
    return rc;
}

int cli__cmd_feed_sbs(const cli_cmd *cmd, cli_args *a) {
    feed_opts o;
    feed_sink *s = NULL;
    if (!cli__opt(cmd, a, "--connect")) return cli__usage_error(cmd, "%s", "--connect HOST:PORT is required");
    const char *clock = cli__opt(cmd, a, "--clock");
    if (strcmp(clock, "received") != 0 && strcmp(clock, "message") != 0)
        return cli__usage_error(cmd, "--clock: '%s' is not received or message", clock);
    int rc = feed_common(cmd, a, &o, &s);
    if (rc) return rc;
    o.clock_received = strcmp(clock, "received") == 0;
    tr_err err = {0};
    catch_stop();
    int fd = feed_connect(cli__opt(cmd, a, "--connect"), &err);
    sbs_stats st = {0};
    rc = fd < 0 ? (int)err.code : sbs_stream(fd, &o, s, &st, &err);
    if (fd >= 0) close(fd);
    tr_vis_clear(&o.vis);
    return feed_report(cmd, s, &st, rc, &err);
}

/* ---- feed file ---- */

/* Sleeps until wall time due_ms (ms), flushing the batch as it ages. */
static int wait_until(int64_t due_ms, feed_batch *b, feed_sink *s, const feed_opts *o, tr_err *err) {
    int rc = feed_batch_flush(b, s, tr_time_now_ms(), o->flush_ms, false, err);
    for (int64_t now = tr_time_now_ms(); rc == TR_OK && now < due_ms && !stopping; now = tr_time_now_ms()) {
        int64_t step = due_ms - now < 100 ? due_ms - now : 100;
        struct timespec ts = {step / 1000, (long)(step % 1000) * 1000000};
        nanosleep(&ts, NULL);
        rc = feed_batch_flush(b, s, tr_time_now_ms(), o->flush_ms, false, err);
    }
    return rc;
}

typedef struct file_run {
    const feed_opts *o;
    feed_sink *s;
    feed_batch b;
    sbs_tracker *tr;
    sbs_stats st;
    double speed; /* 0: as fast as possible */
    int64_t base_msg, base_wall;
    bool ndjson;
} file_run;

/* One line of the file: its time paces the replay, its position is batched. */
static int file_line(file_run *r, const char *line, tr_err *err) {
    tr_position p;
    bool have = false;
    if (r->ndjson) {
        r->st.lines++;
        json_t *j = json_loads(line, 0, NULL);
        tr_err perr = {0};
        if (!j && strspn(line, " \t\r") == strlen(line)) return TR_OK;
        if (!j || tr_position_parse(j, "", &p, &perr)) {
            if (r->st.malformed++ < 10)
                fprintf(stderr, "truce feed: line %ld: %s %s\n", r->st.lines, perr.field, perr.msg);
        } else {
            have = true;
            r->st.positions++;
        }
        json_decref(j);
    } else {
        sbs_msg m;
        r->st.lines++;
        int rc = sbs_parse_line(line, &m, NULL);
        if (rc == TR_OK)
            have = sbs_tracker_add(r->tr, &m, &p, &r->st);
        else if (rc == TR_ENOTFOUND)
            r->st.skipped++;
        else
            r->st.malformed++;
    }
    if (!have) return TR_OK;
    if (!r->base_wall) r->base_msg = p.at_ms, r->base_wall = tr_time_now_ms();
    int rc = r->speed > 0 ? wait_until(r->base_wall + (int64_t)((double)(p.at_ms - r->base_msg) / r->speed),
                                       &r->b, r->s, r->o, err)
                          : TR_OK;
    tr_vis own = p.vis;
    if (rc == TR_OK)
        rc = feed_batch_add(&r->b, &p,
                            r->o->has_vis ? &r->o->vis
                            : p.has_vis   ? &own
                                          : NULL,
                            tr_time_now_ms(), err);
    tr_position_clear(&p);
    if (rc == TR_OK) rc = feed_batch_flush(&r->b, r->s, tr_time_now_ms(), r->o->flush_ms, false, err);
    return rc;
}

int cli__cmd_feed_file(const cli_cmd *cmd, cli_args *a) {
    const char *path = a->pos[0], *fmt = cli__opt(cmd, a, "--format"), *speed = cli__opt(cmd, a, "--speed");
    const char *dot = strrchr(path, '.');
    bool nd = fmt ? strcmp(fmt, "ndjson") == 0 : dot && (!strcmp(dot, ".ndjson") || !strcmp(dot, ".jsonl"));
    if (fmt && !nd && strcmp(fmt, "sbs") != 0)
        return cli__usage_error(cmd, "--format: '%s' is not sbs or ndjson", fmt);
    char *end;
    double x = cli__opt(cmd, a, "--fast") ? 0 : strtod(speed, &end);
    if (!cli__opt(cmd, a, "--fast") && (*end || !(x >= 0.01 && x <= 10000)))
        return cli__usage_error(cmd, "--speed: '%s' is not a factor from 0.01 to 10000", speed);
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!in) {
        fprintf(stderr, "truce %s: cannot read %s: %s\n", cmd->name, path, strerror(errno));
        return CLI_RUNTIME;
    }
    feed_opts o;
    file_run r = {.o = &o, .speed = x, .ndjson = nd, .tr = sbs_tracker_new()};
    int rc = feed_common(cmd, a, &o, &r.s);
    if (rc) {
        if (in != stdin) fclose(in);
        sbs_tracker_free(r.tr);
        return rc;
    }
    catch_stop();
    tr_err err = {0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while (rc == TR_OK && !stopping && (n = getline(&line, &cap, in)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        rc = file_line(&r, line, &err);
    }
    if (rc == TR_OK) rc = feed_batch_flush(&r.b, r.s, tr_time_now_ms(), o.flush_ms, true, &err);
    free(line);
    if (in != stdin) fclose(in);
    feed_batch_free(&r.b);
    sbs_tracker_free(r.tr);
    tr_vis_clear(&o.vis);
    return feed_report(cmd, r.s, &r.st, rc, &err);
}

/* ---- replay ---- */

typedef struct replay_out {
    bool ndjson;
} replay_out;

static int print_alert(const json_t *a, void *ctx) {
    replay_out *o = ctx;
    if (o->ndjson) {
        char *s = tr_json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
        if (s) printf("%s\n", s);
        free(s);
        return TR_OK;
    }
    const json_t *los = json_object_get(a, "time_to_los_s");
    printf("%-24s %-9s %-9s %5lld %8lld %8lld %9s %10.0f\n", json_string_value(json_object_get(a, "at")),
           json_string_value(json_object_get(a, "kind")), json_string_value(json_object_get(a, "change")),
           (long long)json_integer_value(json_object_get(a, "level")),
           (long long)json_integer_value(json_object_get(a, "track")),
           (long long)json_integer_value(json_object_get(a, "other")), "",
           json_is_real(los) ? json_real_value(los) : -1.0);
    return TR_OK;
}

int cli__cmd_replay(const cli_cmd *cmd, cli_args *a) {
    int64_t from = INT64_MIN, to = INT64_MAX;
    const char *f = cli__opt(cmd, a, "--from"), *t = cli__opt(cmd, a, "--to"),
               *fmt = cli__opt(cmd, a, "--format");
    if (f && tr_time_parse_ms(f, &from))
        return cli__usage_error(cmd, "--from: '%s' is not an RFC 3339 time", f);
    if (t && tr_time_parse_ms(t, &to)) return cli__usage_error(cmd, "--to: '%s' is not an RFC 3339 time", t);
    if (from >= to) return cli__usage_error(cmd, "%s", "--to must be later than --from");
    if (strcmp(fmt, "text") != 0 && strcmp(fmt, "ndjson") != 0)
        return cli__usage_error(cmd, "--format: '%s' is not text or ndjson", fmt);
    centre *c;
    if (cli__open_centre(cmd, a, NULL, &c)) return CLI_RUNTIME;
    replay_out o = {strcmp(fmt, "ndjson") == 0};
    if (!o.ndjson)
        printf("%-24s %-9s %-9s %5s %8s %8s %9s %10s\n", "AT", "KIND", "CHANGE", "LEVEL", "TRACK", "OTHER",
               "", "TO LOS (s)");
    tr_err err = {0};
    size_t n = 0;
    bool same = false;
    int rc = centre_traffic_replay(c, from, to, print_alert, &o, &n, &same, &err);
    centre_close(c);
    if (rc) return cli__runtime_error(cmd, &err);
    fprintf(stderr, "truce replay: %zu alert changes; %s\n", n,
            same ? "the same as were raised" : "NOT the same as the stored alerts");
    return same ? CLI_OK : CLI_RUNTIME;
}

/* ---- serve ---- */

int cli__traffic_configure(const cli_cmd *cmd, const tf_config *cfg, double stale_s, centre *c) {
    tr_err err = {0};
    return centre_traffic_configure(c, cfg, stale_s, &err) ? cli__runtime_error(cmd, &err) : 0;
}

int cli__traffic_start(const cli_cmd *cmd, centre *c) {
    tr_err err = {0};
    return centre_traffic_start(c, 1000, &err) ? cli__runtime_error(cmd, &err) : 0;
}
