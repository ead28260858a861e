#!/usr/bin/env python3
"""poll-rate: turns the wrk rows bench/poll_rate.sh measured into the result
JSON (stdout). The ratio uun-server/nginx is taken per round and mode and
the median reported.

Usage: poll_report.py ROWS.tsv DURATION CONNS THREADS ROUNDS SMOKE N=KIB,... MACHINE_JSON"""
import json
import statistics
import sys

rows_path, duration, conns, threads, rounds, smoke, peaks, machine = sys.argv[1:9]
runs = []
for line in open(rows_path):
    label, n, mode, rnd, cpu, rate, p50, p99, errors, requests = line.rstrip("\n").split("\t")
    runs.append(dict(server=label, appliances=int(n), mode=mode, round=int(rnd), server_cpu_s=float(cpu),
                     per_s=float(rate), p50_ms=float(p50) if p50 else None, p99_ms=float(p99) if p99 else None,
                     errors=int(errors), requests=int(requests)))


def med(xs):
    xs = [x for x in xs if x is not None]
    return round(statistics.median(xs), 3) if xs else None


results, targets = [], []
for n in dict.fromkeys(r["appliances"] for r in runs):
    for mode in ("new", "keepalive"):
        ours = [r for r in runs if r["appliances"] == n and r["mode"] == mode and r["server"] == "uun-server"]
        theirs = [r for r in runs if r["appliances"] == n and r["mode"] == mode and r["server"] == "nginx"]
        ratios = []
        for r in ours:
            t = [x for x in theirs if x["round"] == r["round"]]
            if t and t[0]["per_s"] > 0:
                ratios.append(r["per_s"] / t[0]["per_s"])
        for label, rs in (("uun-server", ours), ("nginx", theirs)):
            if not rs:
                continue
            cpu_per = [r["server_cpu_s"] / r["requests"] * 1e6 for r in rs if r["requests"]]
            results.append(dict(server=label, appliances=n, mode=mode, per_s=med([r["per_s"] for r in rs]),
                                p50_ms=med([r["p50_ms"] for r in rs]), p99_ms=med([r["p99_ms"] for r in rs]),
                                errors=sum(r["errors"] for r in rs),
                                server_cpu_us_per_request=med(cpu_per),
                                ratio_to_nginx=med(ratios) if label == "uun-server" else None, runs=rs))
        if mode == "new" and ratios:
            v = med(ratios)
            targets.append(dict(name=f"uun-server/nginx, new connections, {n} appliances", value=v,
                                want=">= 0.8", met=v >= 0.8))

peak = {int(k): int(v or 0) for k, v in (p.split("=") for p in peaks.split(",") if p)}
if peak:
    top = max(peak)
    targets.append(dict(name=f"uun-server peak RSS with {top} appliances", value=f"{peak[top] / 1024:.1f} MiB",
                        want="<= 100 MiB", met=peak[top] <= 100 * 1024))
out = dict(
    benchmark="poll-rate", smoke=smoke == "1",
    parameters=dict(duration_s=int(duration), connections=int(conns), wrk_threads=int(threads), rounds=int(rounds)),
    machine=json.loads(machine), results=results, targets=targets,
    peak_rss_kb={"uun-server": peak},
    table=dict(columns=["appliances", "mode", "server", "req/s", "p50 ms", "p99 ms", "errors", "CPU us/req",
                        "ratio to nginx"],
               rows=[[r["appliances"], r["mode"], r["server"], r["per_s"], r["p50_ms"], r["p99_ms"], r["errors"],
                      r["server_cpu_us_per_request"], r["ratio_to_nginx"]] for r in results]),
    notes=["mode new: Connection: close, a full TLS handshake per request (both servers have resumption off: wrk would resume, an appliance polling daily cannot)",
           "wrk's latency runs from writing the request to the answer: it leaves out connect and handshake",
           "both get the same POST /v1/poll from the same wrk script (bench/lib/poll.lua): uun-server answers it (a registry write each), nginx serves a static file of the same size",
           "CPU us/req: the server's CPU (nginx: master and workers) per request"])
json.dump(out, sys.stdout)
