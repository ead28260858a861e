#!/usr/bin/env python3
"""milter-overhead: turns the rows bench/milter_overhead.sh measured into the
result JSON (on stdout). Ratios are taken per round against the same round's
"none" run and the median of those is reported, so load from elsewhere that
hit one round hits the ratio less.

Usage: milter_report.py ROWS.tsv MESSAGES SIZE SESSIONS ROUNDS SMOKE RSS... MACHINE_JSON
  RSS: name=kib[,kib...] peak resident sets of the milter processes"""
import json
import statistics
import sys

rows_path, messages, size, sessions, rounds, smoke = sys.argv[1:7]
rss_args, machine = sys.argv[7:-1], json.loads(sys.argv[-1])

runs = []
with open(rows_path) as f:
    for line in f:
        c, mode, rnd, n, submit, total, cpu, delivered, errors = line.rstrip("\n").split("\t")
        runs.append(dict(config=c, mode=mode, round=int(rnd), messages=int(n), submit_s=float(submit),
                         total_s=float(total), milter_cpu_s=float(cpu), delivered=int(delivered),
                         source_errors=int(errors)))

def median(xs):
    return statistics.median(xs) if xs else None

by = {}
for r in runs:
    r["msgs_per_s"] = r["messages"] / r["total_s"] if r["total_s"] > 0 else 0
    r["receive_msgs_per_s"] = r["messages"] / r["submit_s"] if r["submit_s"] > 0 else 0
    by.setdefault((r["config"], r["mode"]), []).append(r)

def ratio(config, mode, base):
    """Median over rounds of config's msgs/s over base's msgs/s in the same round."""
    out = []
    for r in by.get((config, mode), []):
        b = [x for x in by.get((base, mode), []) if x["round"] == r["round"]]
        if b and b[0]["msgs_per_s"] > 0:
            out.append(r["msgs_per_s"] / b[0]["msgs_per_s"])
    return median(out)

configs = list(dict.fromkeys(r["config"] for r in runs))
modes = list(dict.fromkeys(r["mode"] for r in runs))
results = []
for mode in modes:
    for c in configs:
        rs = by.get((c, mode), [])
        if not rs:
            continue
        results.append(dict(
            config=c, mode=mode,
            msgs_per_s=round(median([r["msgs_per_s"] for r in rs]), 1),
            receive_msgs_per_s=round(median([r["receive_msgs_per_s"] for r in rs]), 1),
            ratio_to_none=round(ratio(c, mode, "none"), 3) if ratio(c, mode, "none") else None,
            milter_cpu_us_per_msg=round(median([r["milter_cpu_s"] / r["messages"] * 1e6 for r in rs]), 1),
            delivered_all=all(r["delivered"] >= r["messages"] for r in rs),
            runs=rs))

targets = []
def target(name, value, want_text, ok):
    if value is not None:
        targets.append(dict(name=name, value=round(value, 3), want=want_text, met=bool(ok)))

for mode in modes:
    for sock in ("unix", "inet"):
        v = ratio(f"uun-{sock}", mode, f"null-{sock}")
        target(f"uun-milter/null milter, {sock}, {mode}", v, ">= 0.97", v is not None and v >= 0.97)
        v = ratio(f"uun-{sock}", mode, f"opendkim-{sock}")
        target(f"uun-milter/OpenDKIM, {sock}, {mode}", v, ">= 1.15", v is not None and v >= 1.15)
    v = ratio("uun-vendor-only", mode, "none")
    target(f"vendor-only/no milter, {mode}", v, ">= 0.98", v is not None and v >= 0.98)


def cpu(config, mode):
    rs = by.get((config, mode), [])
    return median([r["milter_cpu_s"] / r["messages"] * 1e6 for r in rs]) if rs else None


# The milter's own CPU per message does not depend on how busy the machine is
# the way rates do: the same comparisons by CPU, for the record (no target).
cpu_comparisons = []
for mode in modes:
    for sock in ("unix", "inet"):
        for other in (f"null-{sock}", f"opendkim-{sock}"):
            a, b = cpu(f"uun-{sock}", mode), cpu(other, mode)
            if a and b:
                cpu_comparisons.append(dict(name=f"{other} CPU / uun-{sock} CPU per message, {mode}",
                                            value=round(b / a, 2)))

peak = {}
for a in rss_args:
    name, kib = a.split("=", 1)
    peak[name] = max(int(k or 0) for k in kib.split(","))

out = dict(
    benchmark="milter-overhead",
    smoke=smoke == "1",
    parameters=dict(messages=int(messages), message_bytes=int(size), sessions=int(sessions), rounds=int(rounds)),
    machine=machine,
    results=results,
    targets=targets,
    cpu_comparisons=cpu_comparisons,
    peak_rss_kb=peak,
    table=dict(
        columns=["mode", "config", "msgs/s", "received/s", "ratio to none", "milter CPU us/msg", "all delivered"],
        rows=[[r["mode"], r["config"], r["msgs_per_s"], r["receive_msgs_per_s"], r["ratio_to_none"],
               r["milter_cpu_us_per_msg"], "yes" if r["delivered_all"] else "NO"] for r in results]),
    notes=["mode close: one SMTP connection per message; reuse: smtp-source -d",
           "msgs/s: messages / (first connection .. queue empty); received/s: until smtp-source is done",
           "ratios: median over rounds of the per-round ratio"],
)
json.dump(out, sys.stdout)
