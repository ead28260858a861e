#!/usr/bin/env python3
"""memory: the result JSON (stdout): the peaks bench/memory.sh measured and
the ones milter-overhead, poll-rate and fleet recorded in RESULTS_DIR.

Usage: memory_report.py RESULTS_DIR SMOKE APPLIANCES PAYLOAD_KIB UPDATER_KIB SERVER_KIB MACHINE_JSON"""
import json
import os
import sys

results_dir, smoke, appliances, payload_kib, updater_kib, server_kib, machine = sys.argv[1:8]
appliances = int(appliances)


def other(name):
    path = os.path.join(results_dir, f"{name}.json")
    try:
        with open(path) as f:
            d = json.load(f)
    except (OSError, ValueError):
        return None
    return d


rows = [("uun-server", f"{appliances} appliances, wrk load, one large payload served", int(server_kib), 100),
        ("uun-updater", f"urgent poll, {payload_kib} KiB payload verified and installed", int(updater_kib), 10)]
notes = []
mo = other("milter-overhead")
if mo and mo.get("peak_rss_kb", {}).get("uun-milter"):
    runs = sum(len(r["runs"]) for r in mo["results"] if r["config"].startswith("uun-"))
    rows.append(("uun-milter", f"milter-overhead: {runs} runs of {mo['parameters']['messages']} messages"
                 + (" (smoke)" if mo.get("smoke") else ""), mo["peak_rss_kb"]["uun-milter"], 10))
    for name in ("bench-null-milter", "opendkim"):
        if mo["peak_rss_kb"].get(name):
            rows.append((name, "milter-overhead (for comparison)", mo["peak_rss_kb"][name], None))
else:
    notes.append("uun-milter: not measured; run bench/run milter-overhead first")
for name in ("poll-rate", "fleet"):
    d = other(name)
    if d and d.get("peak_rss_kb", {}).get("uun-server"):
        for n, kib in d["peak_rss_kb"]["uun-server"].items():
            rows.append(("uun-server", f"{name}: {n} appliances" + (" (smoke)" if d.get("smoke") else ""), kib, None))

targets = [dict(name=f"{p} peak RSS ({what})", value=f"{kib / 1024:.1f} MiB", want=f"<= {limit} MiB",
                met=kib <= limit * 1024) for p, what, kib, limit in rows if limit]
out = dict(benchmark="memory", smoke=smoke == "1",
           parameters=dict(appliances=appliances, payload_kib=int(payload_kib)), machine=json.loads(machine),
           results=[dict(program=p, run=what, peak_rss_kb=kib, target_mib=limit) for p, what, kib, limit in rows],
           targets=targets,
           table=dict(columns=["program", "run", "peak RSS MiB", "target MiB"],
                      rows=[[p, what, round(kib / 1024, 1), limit or "-"] for p, what, kib, limit in rows]),
           notes=notes + ["peak RSS: VmHWM from /proc/PID/status at the end of the run"])
json.dump(out, sys.stdout)
