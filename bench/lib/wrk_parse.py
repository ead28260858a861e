#!/usr/bin/env python3
"""Reads one wrk --latency output and prints a tab-separated row for the
poll-rate report: label, N, mode, round, server CPU s, req/s, p50 ms, p99 ms,
errors, requests. Exit 1 when the output has no "Requests/sec" line.

Usage: wrk_parse.py WRK.out LABEL N MODE ROUND SERVER_CPU_S"""
import re
import sys

path, label, n, mode, rnd, cpu = sys.argv[1:7]
text = open(path).read()
rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
if not rate:
    sys.exit(1)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def pct(p):
    m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
    return round(float(m.group(1)) * UNITS[m.group(2)], 3) if m else ""


errors = 0
m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
if m:
    errors += sum(int(x) for x in m.groups())
m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
if m:
    errors += int(m.group(1))
m = re.search(r"(\d+) requests in", text)
requests = m.group(1) if m else "0"
print("\t".join([label, n, mode, rnd, cpu, rate.group(1), str(pct(50)), str(pct(99)), str(errors), requests]))
