#!/usr/bin/env python3
# The include order of STYLE.md, checked by layout_check.py and applied by
# `includes.py --fix FILE...`: a .cpp's own header first, then the project's
# headers ("lib/...", "milter/...", "server/..."), third-party (<boost/...>,
# <openssl/...>, <sqlite3.h>, ...), the C++ standard library, POSIX; one blank
# line between groups, each group sorted. A file whose include block holds
# anything but includes and blank lines (a comment, an #if) is left alone and
# reported, so nothing is reordered that someone ordered on purpose.
import os
import re
import sys

INCLUDE = re.compile(r'#include ([<"])([^>"]+)[>"](.*)$')
THIRD_PARTY_DIRS = ("boost/", "openssl/", "yaml-cpp/", "systemd/", "nlohmann/", "libmilter/", "curl/", "doctest/")
THIRD_PARTY_FILES = ("sqlite3.h",)
POSIX_DIRS = ("sys/", "netinet/", "arpa/", "linux/", "net/")


def group_of(path, quote, own):
    if quote == '"':
        return 0 if path == own else 1
    if path.startswith(THIRD_PARTY_DIRS) or path in THIRD_PARTY_FILES:
        return 2
    if "/" not in path and not path.endswith(".h"):
        return 3
    return 4


def own_header(rel):
    """lib/util/sqlite.cpp -> lib/util/sqlite.hpp; test/unit/x_test.cpp has none."""
    return rel[:-4] + ".hpp" if rel.endswith(".cpp") else None


def include_block(lines):
    """(first, last) line index of the include block, or None."""
    first = next((i for i, l in enumerate(lines) if l.startswith("#include")), None)
    if first is None:
        return None
    last = first
    for i in range(first, len(lines)):
        if lines[i].startswith("#include"):
            last = i
        elif lines[i].strip() and not lines[i].startswith("#include"):
            break
    return first, last


def sorted_block(rel, lines):
    """The block as STYLE.md orders it, or None when it holds something else."""
    block = include_block(lines)
    if block is None:
        return None, None
    first, last = block
    groups = {}
    for line in lines[first:last + 1]:
        if not line.strip():
            continue
        m = INCLUDE.match(line)
        if not m:
            return block, None
        groups.setdefault(group_of(m.group(2), m.group(1), own_header(rel)), []).append(line)
    out = []
    for g in sorted(groups):
        if out:
            out.append("")
        out.extend(sorted(groups[g], key=lambda l: INCLUDE.match(l).group(2)))
    return block, out


def problems(root, files):
    found = []
    for rel in files:
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\n")
        block, want = sorted_block(rel, lines)
        if block is None:
            continue
        if want is None:
            found.append(f"{rel}: the include block holds more than includes")
        elif lines[block[0]:block[1] + 1] != want:
            found.append(f"{rel}:{block[0] + 1}")
    return found


def fix(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    block, want = sorted_block(os.path.relpath(path), lines)
    if block is None or want is None:
        return block is None
    lines[block[0]:block[1] + 1] = want
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    return True


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] != "--fix":
        print("usage: includes.py --fix FILE...  (run from the repository root)", file=sys.stderr)
        sys.exit(2)
    left = [p for p in sys.argv[2:] if not fix(p)]
    for p in left:
        print(f"{p}: left alone: its include block holds more than includes", file=sys.stderr)
    sys.exit(1 if left else 0)
