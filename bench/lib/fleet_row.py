#!/usr/bin/env python3
"""fleet: one fleet size's figures as a JSON object (stdout), from the
simulator's event file ("<unix ms> <event> <index>" lines) and what
bench/fleet.sh measured around it.

Usage: fleet_row.py N EVENTS T_PUBLISH T_HANDOFF T_END T_REG0 T_REG1 REQUESTS MAILS CPU_S PEAK_KIB SAMPLES HZ
                   SIM_CPU_S MACHINE_BUSY_S POSTFIX_CPU_S PUBLISH_CPU_S"""
import json
import math
import sys

(n, events, t0, t_handoff, t_end, reg0, reg1, requests, mails, cpu_s, peak_kib, samples, hz, sim_cpu_s,
 busy_s, postfix_cpu_s, publish_cpu_s) = sys.argv[1:18]
n, t0 = int(n), float(t0)
counts, installed, notified = {}, {}, {}
for line in open(events):
    ms, what, index = line.split()
    counts[what] = counts.get(what, 0) + 1
    if what == "installed" and index not in installed:
        installed[index] = int(ms) / 1000.0 - t0
    if what == "uun" and index not in notified:
        notified[index] = int(ms) / 1000.0 - t0
times = sorted(installed.values())
uun_times = sorted(notified.values())


def at(fraction, series=times):
    """Seconds from publish until `fraction` of the fleet had installed (or got its UUN); None if never."""
    k = math.ceil(fraction * n)
    return round(series[k - 1], 2) if k <= len(series) else None


peak_cpu = 0.0
for line in open(samples):
    parts = line.split()
    if len(parts) == 3 and float(parts[0]) > 0:
        peak_cpu = max(peak_cpu, int(parts[1]) / int(hz) / float(parts[0]) * 100)
p99 = at(0.99)
row = dict(
    appliances=n,
    registration_s=round(float(reg1) - float(reg0), 1),
    handoff_s=round(float(t_handoff) - t0, 2),
    installed=len(times),
    p50_s=at(0.5), p99_s=p99, p100_s=at(1.0),
    uun_p50_s=at(0.5, uun_times), uun_p99_s=at(0.99, uun_times), uun_p100_s=at(1.0, uun_times),
    uun_mails_sent=int(mails),
    valid_uuns_received=counts.get("uun", 0),
    server_requests=int(requests),
    poll_failures=counts.get("poll_failed", 0),
    server_cpu_s=float(cpu_s),
    simulator_cpu_s=float(sim_cpu_s),
    postfix_cpu_s=float(postfix_cpu_s),
    publish_cpu_s=float(publish_cpu_s),
    machine_busy_cpu_s=float(busy_s),  # both cores, everything that ran (other users too)
    publish_to_end_s=round(float(t_end) - t0, 1),
    server_peak_cpu_percent=round(peak_cpu),
    server_peak_rss_kb=int(peak_kib),
    # Polling alone, with a uniformly random phase, reaches 99 % after 0.99 of its interval.
    polling_interval_same_p99_s=round(p99 / 0.99, 1) if p99 else None,
    polling_polls_per_day=round(86400 / (p99 / 0.99)) if p99 else None,
    events=counts,
)
json.dump(row, sys.stdout)
