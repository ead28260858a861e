#!/usr/bin/env python3
"""Prints the tables and targets of bench/results/<name>.json files as
Markdown, for bench/README.md.

Usage: markdown.py RESULT.json..."""
import json
import sys


def show(path):
    d = json.load(open(path))
    t = d["table"]
    print(f"#### {d['benchmark']}" + (" (smoke)" if d.get("smoke") else ""))
    print()
    print("| " + " | ".join(t["columns"]) + " |")
    print("|" + "|".join("---" for _ in t["columns"]) + "|")
    for r in t["rows"]:
        print("| " + " | ".join("" if v is None else str(v) for v in r) + " |")
    print()
    for x in d.get("targets", []):
        print(f"- target {x['name']}: **{x['value']}** (want {x['want']}): {'met' if x['met'] else '**missed**'}")
    for c in d.get("cpu_comparisons", []):
        print(f"- {c['name']}: {c['value']}")
    if d.get("targets") or d.get("cpu_comparisons"):
        print()


for p in sys.argv[1:]:
    show(p)
