#!/usr/bin/env python3
"""memory: the result JSON (stdout): the peaks bench/memory.sh measured and
the ones milter-overhead, poll-rate and fleet recorded in RESULTS_DIR.

Usage: memory_report.py RESULTS_DIR SMOKE APPLIANCES PAYLOAD_KIB UPDATER_KIB SERVER_KIB UPDATER_ANON_KIB
                        SERVER_ANON_KIB MACHINE_JSON
(peak RSS is VmHWM, shared library pages included; anon: the highest RssAnon sampled, the process's own memory)"""
import json
import os
import sys

(results_dir, smoke, appliances, payload_kib, updater_kib, server_kib, updater_anon, server_anon,
 machine) = sys.argv[1:10]
appliances = int(appliances)


def other(name):
    path = os.path.join(results_dir, f"{name}.json")
    try:
        with open(path) as f:
            d = json.load(f)
    except (OSError, ValueError):
        return None
    return d


rows = [("uun-server", f"{appliances} appliances, wrk load, one large payload served", int(server_kib), 100,
         int(server_anon)),
        ("uun-updater", f"urgent poll, {payload_kib} KiB payload verified and installed", int(updater_kib), 10,
         int(updater_anon))]
notes = []
mo = other("milter-overhead")
if mo and mo.get("peak_rss_kb", {}).get("uun-milter"):
    runs = sum(len(r["runs"]) for r in mo["results"] if r["config"].startswith("uun-"))
    rows.append(("uun-milter", f"milter-overhead: {runs} runs of {mo['parameters']['messages']} messages"
                 + (" (smoke)" if mo.get("smoke") else ""), mo["peak_rss_kb"]["uun-milter"], 10,
                 mo.get("anon_rss_kb", {}).get("uun-milter")))
    for name in ("bench-null-milter", "opendkim"):
        if mo["peak_rss_kb"].get(name):
            rows.append((name, "milter-overhead (for comparison)", mo["peak_rss_kb"][name], None,
                         mo.get("anon_rss_kb", {}).get(name)))
else:
    notes.append("uun-milter: not measured; run bench/run milter-overhead first")
for name in ("poll-rate", "fleet"):
    d = other(name)
    if d and d.get("peak_rss_kb", {}).get("uun-server"):
        for n, kib in d["peak_rss_kb"]["uun-server"].items():
            rows.append(("uun-server", f"{name}: {n} appliances" + (" (smoke)" if d.get("smoke") else ""), kib, None,
                         None))

targets = [dict(name=f"{p} peak RSS ({what})", value=f"{kib / 1024:.1f} MiB", want=f"<= {limit} MiB",
                met=kib <= limit * 1024) for p, what, kib, limit, _ in rows if limit]
out = dict(benchmark="memory", smoke=smoke == "1",
           parameters=dict(appliances=appliances, payload_kib=int(payload_kib)), machine=json.loads(machine),
           results=[dict(program=p, run=what, peak_rss_kb=kib, anon_rss_kb=anon, target_mib=limit)
                    for p, what, kib, limit, anon in rows],
           targets=targets,
           table=dict(columns=["program", "run", "peak RSS MiB", "own (anon) MiB", "target MiB"],
                      rows=[[p, what, round(kib / 1024, 1), round(anon / 1024, 1) if anon else "-", limit or "-"]
                            for p, what, kib, limit, anon in rows]),
           notes=notes + ["peak RSS: VmHWM from /proc/PID/status at the end of the run; it counts the resident pages"
                          " of shared libraries (libcurl's dependencies, OpenSSL, libstdc++), shared with other"
                          " processes", "own (anon): the highest RssAnon seen (sampled every 50 ms): the"
                          " process's private memory"])
json.dump(out, sys.stdout)
