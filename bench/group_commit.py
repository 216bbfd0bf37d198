"""group_commit.py — the table and bench/results/group_commit.json of bench/group_commit.sh.

Arguments: RUNS_JSONL OUT_JSON SECONDS RUNS WRITE_CONNECTIONS MIXED_CONNECTIONS.
Each line of RUNS_JSONL is one wrk run: load (write, mixed), group (on, off), run, the
server's commits and flushes, and wrk's figures. Prints medians, the same-run baseline
(group commit off) and the ratio; exits 3 when a request failed.
"""
import json
import os
import platform
import statistics
import sys
import time


def main():
    runs_path, out_path, secs, nruns, wconns, mconns = sys.argv[1:7]
    rows = [json.loads(line) for line in open(runs_path)]

    def med(load, group, key):
        return statistics.median(r["stats"][key] for r in rows if r["load"] == load and r["group"] == group)

    def per_flush(load, group, key="flushes"):
        return statistics.median(r["commits"] / max(r.get(key, r["commits"]), 1) for r in rows
                                 if r["load"] == load and r["group"] == group)

    fig = {}
    for load in ("write", "mixed"):
        for group in ("on", "off"):
            fig["%s_%s" % (load, group)] = {
                "requests_per_second": round(med(load, group, "rps"), 1),
                "p50_ms": round(med(load, group, "p50_us") / 1000, 3),
                "p99_ms": round(med(load, group, "p99_us") / 1000, 3),
                "commits_per_flush": round(per_flush(load, group), 2),
                "writes_per_transaction": round(per_flush(load, group, "transactions"), 2)}
    def paired(load):
        """Per run, truce / the baseline measured just after it (the machine's load drifts
        between runs more than between the two halves of one): their median."""
        on = {r["run"]: r["stats"]["rps"] for r in rows if r["load"] == load and r["group"] == "on"}
        off = {r["run"]: r["stats"]["rps"] for r in rows if r["load"] == load and r["group"] == "off"}
        return round(statistics.median(on[k] / off[k] for k in on if k in off and off[k]), 3)

    failed = sum(r["stats"]["non2xx"] + r["stats"]["socket_errors"] for r in rows)
    w_on, w_off = fig["write_on"]["requests_per_second"], fig["write_off"]["requests_per_second"]
    m_on, m_off = fig["mixed_on"]["requests_per_second"], fig["mixed_off"]["requests_per_second"]
    result = {
        "name": "group_commit", "metric": "durable_writes_per_second", "unit": "writes/s",
        "truce": w_on,
        "baselines": {"one_fsync_per_write": w_off},
        "ratios": {"write_group_vs_one_fsync": round(w_on / w_off, 3),
                   "mixed_group_vs_one_fsync": round(m_on / m_off, 3),
                   "write_median_of_run_ratios": paired("write"),
                   "mixed_median_of_run_ratios": paired("mixed")},
        "figures": fig,
        "goals": {"writes_per_second": 10000, "ratio": 5, "mixed_requests_per_second": 5000,
                  "mixed_p99_ms": 20},
        "load": {"tool": "wrk", "threads": 2, "write_connections": int(wconns),
                 "mixed_connections": int(mconns), "seconds": int(secs),
                 "server_threads": "as many as connections"},
        "data": {"scenario": "scenarios/syria-2016-2017.json",
                 "write": "POST /v1/reports, a monitor's report at a random point of Syria",
                 "mixed": "every other request GET /v1/attribution at a random point"},
        "agree": failed == 0, "failed_requests": failed,
        "runs": int(nruns), "median_of": int(nruns),
        "host": {"cpus": os.cpu_count(), "machine": platform.machine(),
                 "cpu_busy_percent_before": int(os.environ["TRUCE_CPU_BUSY_BEFORE"])
                 if os.environ.get("TRUCE_CPU_BUSY_BEFORE", "").isdigit() else None},
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "all_runs": rows,
    }
    with open(out_path, "w") as f:
        json.dump(result, f, indent=1)
    print("\ngroup_commit (median of %s runs, wrk -t2 -d%ss, server and wrk on the same %d cores)"
          % (nruns, secs, os.cpu_count()))
    print("  %-44s %12s %9s %9s %14s %12s" % ("load", "requests/s", "p50 ms", "p99 ms", "writes/flush", "writes/tx"))
    names = {"write_on": "POST reports -c%s, group commit (truce)" % wconns,
             "write_off": "POST reports -c%s, one fsync each (baseline)" % wconns,
             "mixed_on": "mixed -c%s, group commit (truce)" % mconns,
             "mixed_off": "mixed -c%s, one fsync each (baseline)" % mconns}
    for k, label in names.items():
        f = fig[k]
        print("  %-44s %12.0f %9.3f %9.3f %14.2f %12.2f" % (label, f["requests_per_second"], f["p50_ms"],
                                                            f["p99_ms"], f["commits_per_flush"],
                                                            f["writes_per_transaction"]))
    print("  ratio, durable writes/s: %.2fx (goal: 10,000/s and 5x); mixed: %.2fx (goal: 5,000/s, p99 < 20 ms)"
          % (w_on / w_off, m_on / m_off))
    print("  median of the per-run ratios (each run beside its own baseline): write %.2fx, mixed %.2fx"
          % (paired("write"), paired("mixed")))
    print("  failed requests: %d; wrote %s" % (failed, out_path))
    return 0 if failed == 0 else 3


if __name__ == "__main__":
    sys.exit(main())
