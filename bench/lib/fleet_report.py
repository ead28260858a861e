#!/usr/bin/env python3
"""fleet: the result JSON (stdout) from the rows fleet_row.py wrote.

Usage: fleet_report.py ROWS.json SMOKE SIM_THREADS PUBLISH_PARALLEL POSTFIX_TUNING_JSON MACHINE_JSON"""
import json
import sys

rows_path, smoke, threads, parallel, tuning, machine = sys.argv[1:7]
rows = json.load(open(rows_path))
targets = []
for r in rows:
    if r["appliances"] == 10000:
        v = r["p99_s"]
        targets.append(dict(name="10 000 appliances 99 % installed after publish", value=f"{v} s" if v else "never",
                            want="<= 60 s", met=v is not None and v <= 60))


def fmt(v):
    return "-" if v is None else v


out = dict(
    benchmark="fleet", smoke=smoke == "1",
    parameters=dict(simulator_threads=int(threads), publish_parallel=int(parallel),
                    postfix_tuning=json.loads(tuning), periodic_poll_interval_s=86400),
    machine=json.loads(machine), results=rows, targets=targets,
    peak_rss_kb={"uun-server": {r["appliances"]: r["server_peak_rss_kb"] for r in rows}},
    table=dict(columns=["appliances", "register s", "hand-off s", "UUN 99 % s", "50 % s", "99 % s", "100 % s",
                        "UUNs sent",
                        "requests", "server CPU s", "peak CPU %", "peak RSS MiB", "poll-only interval s",
                        "poll-only polls/day"],
               rows=[[r["appliances"], r["registration_s"], r["handoff_s"], fmt(r["uun_p99_s"]), fmt(r["p50_s"]),
                      fmt(r["p99_s"]),
                      fmt(r["p100_s"]), r["uun_mails_sent"], r["server_requests"], r["server_cpu_s"],
                      r["server_peak_cpu_percent"], round(r["server_peak_rss_kb"] / 1024, 1),
                      fmt(r["polling_interval_same_p99_s"]), fmt(r["polling_polls_per_day"])] for r in rows]),
    notes=["times from the start of uun-publish --urgent; hand-off: until uun-publish returned",
           "UUN 99 %: until 99 % of the appliances had a valid UUN (their trigger); 50/99/100 %: installed",
           "with UUNs each appliance polls once a day (1 poll/day) plus once per urgent update",
           "poll-only: the interval whose 99 % latency (0.99 of the interval) equals the measured one",
           "peak CPU %: of one core, over 0.5 s samples; 200 % is both cores"])
json.dump(out, sys.stdout)
