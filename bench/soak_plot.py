"""Draws bench/soak.sh's records (OUT/samples.csv, OUT/latency.csv) into OUT/soak.png and writes OUT/summary.txt:
each measure early in the run (after the first two minutes of warm-up) beside its end."""
import csv
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

out = Path(sys.argv[1])
samples = list(csv.DictReader((out / "samples.csv").open()))
latency = list(csv.DictReader((out / "latency.csv").open()))
minutes = [float(s["t"]) / 60 for s in samples]


def series(name, scale=1.0):
    return [float(s[name]) * scale for s in samples]


fig, axes = plt.subplots(2, 2, figsize=(13, 8.5))
ax = axes[0][0]
for name, label in (("supervisor_rss_kib", "supervisor"), ("workers_rss_kib", "all workers"),
                    ("max_worker_rss_kib", "largest worker"), ("nginx_rss_kib", "nginx (all)")):
    ax.plot(minutes, series(name, 1 / 1024), label=label)
ax.set_title("Resident memory (MiB)")
ax.set_ylim(bottom=0)
ax.legend(fontsize=8)

ax = axes[0][1]
ax.plot(minutes, series("supervisor_fds"), label="supervisor")
ax.plot(minutes, series("workers_fds"), label="all workers")
ax.plot(minutes, series("workers"), label="worker processes", linestyle=":")
ax.set_title("Open file descriptors")
ax.set_ylim(bottom=0)
ax.legend(fontsize=8)

ax = axes[1][0]
ax.plot(minutes, series("db_bytes", 1 / 2**20), label="database file")
ax.plot(minutes, series("wal_bytes", 1 / 2**20), label="WAL file")
ax.set_title("SQLite files (MiB)")
ax.set_ylim(bottom=0)
ax.legend(fontsize=8)

ax = axes[1][1]
kinds = sorted({row["kind"] for row in latency})
# The last minute is partial (the run ends inside it): left out of the plot.
full_minutes = int(float(samples[-1]["t"]) // 60)
latency_plotted = [r for r in latency if int(r["minute"]) < max(full_minutes, 1)]
for kind in kinds:
    rows = [r for r in latency_plotted if r["kind"] == kind]
    x = [int(r["minute"]) + 0.5 for r in rows]
    line, = ax.plot(x, [float(r["p50_ms"]) for r in rows], label=f"{kind} p50")
    ax.plot(x, [float(r["p99_ms"]) for r in rows], color=line.get_color(), linestyle="--", linewidth=0.8)
ax.set_yscale("log")
ax.set_title("Latency per minute, ms (solid p50, dashed p99)")
ax.legend(fontsize=7, ncol=2)
for row in axes:
    for a in row:
        a.set_xlabel("minutes")
        a.grid(alpha=0.3)
fig.suptitle("Gatehouse soak: mixed load through nginx, SQLite, 4 workers")
fig.tight_layout()
fig.savefig(out / "soak.png", dpi=90)

# Summary: warm-up excluded, the level at 2 minutes beside the end and the extremes after warm-up.
steady = [s for s in samples if float(s["t"]) >= 120] or samples
lines = [f"samples: {len(samples)} over {minutes[-1]:.1f} minutes (levels from minute 2 on)"]
for name, unit, scale in (("supervisor_rss_kib", "MiB", 1 / 1024), ("workers_rss_kib", "MiB", 1 / 1024),
                          ("max_worker_rss_kib", "MiB", 1 / 1024), ("nginx_rss_kib", "MiB", 1 / 1024),
                          ("supervisor_fds", "", 1), ("workers_fds", "", 1), ("workers", "", 1),
                          ("db_bytes", "MiB", 1 / 2**20), ("wal_bytes", "MiB", 1 / 2**20)):
    values = [float(s[name]) * scale for s in steady]
    lines.append(f"{name:20} at 2 min {values[0]:9.1f}  end {values[-1]:9.1f}  min {min(values):9.1f}  "
                 f"max {max(values):9.1f} {unit}")
last = max(int(r["minute"]) for r in latency)
for kind in kinds:
    rows = {int(r["minute"]): r for r in latency if r["kind"] == kind}
    first = rows.get(1) or rows[min(rows)]
    end = rows.get(last - 1) or rows[max(rows)]  # the last full minute
    total = sum(int(r["count"]) for r in rows.values())
    errors = sum(int(r["errors"]) for r in rows.values())
    lines.append(f"{kind:12} {total:8} requests, {errors} unexpected answers; p50 {first['p50_ms']} → "
                 f"{end['p50_ms']} ms, p99 {first['p99_ms']} → {end['p99_ms']} ms (minute 1 → last full minute)")
(out / "summary.txt").write_text("\n".join(lines) + "\n")
