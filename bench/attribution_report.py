"""attribution_report.py — joins the figures of the attribution benchmark into one result.

Usage: attribution_report.py TRUCE_JSON POSTGIS_JSON OUT_JSON
  TRUCE_JSON    written by bench_attribution --json (truce and the GEOS brute force);
  POSTGIS_JSON  written by attribution_postgis.sh --json.
Prints the table of figures and ratios, writes OUT_JSON (bench/results/attribution.json)
and exits 0 when every answer agrees (truce's own checks, and truce's pairs and checksum
equal PostGIS's), 3 when not.
"""
import json
import os
import platform
import sys
import time


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def busy_before():
    """How busy the CPUs were before the run, as bench/run.sh measured (None if unknown)."""
    v = os.environ.get("TRUCE_CPU_BUSY_BEFORE")
    return int(v) if v and v.isdigit() else None


def main(truce_path, postgis_path, out_path):
    t = json.load(open(truce_path))
    pg = json.load(open(postgis_path))
    pg_agrees = pg["pairs"] == t["pairs"] and pg["checksum"] == t["checksum"]
    agree = bool(t["agree"]) and pg_agrees
    truce = t["truce_2t_pps"]
    result = {
        "name": "attribution",
        "metric": "points_per_second",
        "unit": "points/s",
        "truce": truce,
        "baselines": {"geos_brute_force": t["geos_pps"], "postgis": pg["points_per_second"]},
        "ratios": {
            "truce_vs_postgis": round(truce / pg["points_per_second"], 3),
            "truce_1_thread_vs_postgis": round(t["truce_1t_pps"] / pg["points_per_second"], 3),
            "truce_vs_geos_brute_force": round(t["truce_sample_1t_pps"] / t["geos_pps"], 3),
        },
        "data": {"polygons": t["polygons"], "points": t["points"], "pairs": t["pairs"],
                 "checksum": t["checksum"], "workload": "A (/work/shared/bench-workloads/gen.py A)"},
        "goals": {  # issue 19, goal 3
            "truce_1_thread_at_least_1M_points_per_s": t["truce_1t_pps"] >= 1e6,
            "truce_at_least_10x_postgis": truce >= 10 * pg["points_per_second"],
        },
        "agree": agree,
        "runs": t["runs"],
        "median_of": t["runs"],
        "details": {
            "truce": "attr_engine_covering over all points, 2 threads (the engine query is thread-safe)",
            "truce_1_thread": t["truce_1t_pps"],
            "truce_build_s": t["build_s"],
            "truce_engine_bytes": t.get("engine_bytes"),
            "truce_engine_rss_bytes": t.get("engine_rss_bytes"),
            "truce_1t_cpu_s": t.get("truce_1t_cpu_s"),
            "truce_2t_cpu_s": t.get("truce_2t_cpu_s"),
            "truce_1t_s": t["truce_1t_s"],
            "truce_2t_s": t["truce_2t_s"],
            "geos_brute_force": "1 thread, no index: box test against every polygon, then "
                                "GEOSPreparedCovers_r; on 1 point in %d (%d points), "
                                "compared with truce 1 thread on the same points"
                                % (t["sample_stride"], t["sample_points"]),
            "geos_sample_s": t["geos_sample_s"],
            "truce_sample_1t_pps": t["truce_sample_1t_pps"],
            "sample_pairs": t["sample_pairs"],
            "sample_checksum": t["sample_checksum"],
            "postgis": "PostgreSQL %s, ST_Covers join, polygon outer over the points' GiST "
                       "index, 2 parallel workers, warm cache" % pg["version"],
            "postgis_secs": pg["secs"],
            "postgis_median_s": pg["median_s"],
            "postgis_load_s": pg["load_s"],
            "postgis_index_s": pg["index_s"],
            "postgis_pairs": pg["pairs"],
            "postgis_checksum": pg["checksum"],
            "checksum": "sum over pairs of (point_id * 1000003 + polygon_id) mod 2147483647",
        },
        "host": {"cpus": os.cpu_count(), "cpu": cpu_model(),
                 "cpu_busy_percent_before": busy_before()},
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    with open(out_path, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")

    print("\nattribution, workload A: %d polygons x %d points, %d pairs (median of %d runs)"
          % (t["polygons"], t["points"], t["pairs"], t["runs"]))
    row = "  %-52s %12s %10s"
    print(row % ("", "points/s", "truce/base"))
    print(row % ("truce, attr_engine_covering, 2 threads", "%.0f" % truce, ""))
    print(row % ("truce, attr_engine_covering, 1 thread", "%.0f" % t["truce_1t_pps"], ""))
    print(row % ("PostgreSQL %s, 2 workers" % pg["version"], "%.0f" % pg["points_per_second"],
                 "%.2fx" % result["ratios"]["truce_vs_postgis"]))
    print(row % ("  (truce 1 thread / PostGIS)", "", "%.2fx" % result["ratios"]["truce_1_thread_vs_postgis"]))
    print(row % ("GEOS brute force, 1 thread, 1 point in %d" % t["sample_stride"],
                 "%.0f" % t["geos_pps"], "%.2fx" % result["ratios"]["truce_vs_geos_brute_force"]))
    print(row % ("  (truce 1 thread on the same %d points)" % t["sample_points"],
                 "%.0f" % t["truce_sample_1t_pps"], ""))
    print("  engine build: %.3f s; engine memory: %.1f MB (heap and arena), resident +%.1f MB (%.0f bytes per polygon); "
          "PostGIS load %.1f s + GiST %.1f s"
          % (t["build_s"], t.get("engine_bytes", 0) / 1e6, t.get("engine_rss_bytes", 0) / 1e6,
             t.get("engine_rss_bytes", 0) / t["polygons"], pg["load_s"], pg["index_s"]))
    if t.get("truce_1t_cpu_s"):
        print("  CPU time of truce's runs: 1 thread %.3f s, 2 threads %.3f s (wall %.3f s, %.3f s)"
              % (t["truce_1t_cpu_s"], t["truce_2t_cpu_s"], t["truce_1t_s"], t["truce_2t_s"]))
    g = result["goals"]
    print("  goals: 1 thread >= 1,000,000 points/s: %s; 2 threads >= 10x PostGIS: %s"
          % ("yes" if g["truce_1_thread_at_least_1M_points_per_s"] else "NO",
             "yes" if g["truce_at_least_10x_postgis"] else "NO"))
    print("  agreement: truce checks %s; truce == PostGIS (pairs %d, checksum %d): %s"
          % ("pass" if t["agree"] else "FAIL", pg["pairs"], pg["checksum"],
             "yes" if pg_agrees else "NO"))
    print("  wrote %s" % out_path)
    return 0 if agree else 3


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: attribution_report.py TRUCE_JSON POSTGIS_JSON OUT_JSON")
    sys.exit(main(*sys.argv[1:]))
