#!/usr/bin/env python3
"""Prints the table and the targets of a bench/results/<name>.json file.

Usage: table.py [--markdown] RESULT.json...   (exit 1 when a file is not a result)
--markdown: the table and the targets as bench/README.md shows them."""
import json
import sys


def show(path):
    with open(path) as f:
        d = json.load(f)
    table = d["table"]
    cols = table["columns"]
    rows = [[("" if v is None else str(v)) for v in r] for r in table["rows"]]
    widths = [max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(cols)]
    title = d["benchmark"] + (" (smoke: tiny run, figures mean nothing)" if d.get("smoke") else "")
    print(f"\n{title}")
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(r, widths))))
    for t in d.get("targets", []):
        mark = "met" if t["met"] else "MISSED"
        print(f"  target {t['name']}: {t['value']} (want {t['want']}): {mark}")
    for c in d.get("cpu_comparisons", []):
        print(f"  {c['name']}: {c['value']}")
    for note in d.get("notes", []):
        print(f"  note: {note}")


def show_markdown(path):
    with open(path) as f:
        d = json.load(f)
    table = d["table"]
    print("| " + " | ".join(table["columns"]) + " |")
    print("|" + "---|" * len(table["columns"]))
    for r in table["rows"]:
        print("| " + " | ".join("" if v is None else str(v) for v in r) + " |")
    print()
    for t in d.get("targets", []):
        mark = "met" if t["met"] else "**missed**"
        print(f"- target {t['name']}: **{t['value']}** (want {t['want']}): {mark}")
    for c in d.get("cpu_comparisons", []):
        print(f"- {c['name']}: {c['value']}")


if __name__ == "__main__":
    args = sys.argv[1:]
    markdown = bool(args) and args[0] == "--markdown"
    for p in args[1:] if markdown else args:
        (show_markdown if markdown else show)(p)
