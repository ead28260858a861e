#!/usr/bin/env bash
# layout/tree: the tree matches what the project says about it (the layout
# issue): no .cpp/.hpp over 400 lines, no function over 80 lines without a
# "Long:" reason, namespaces named after their folders, README.md's Layout section names what
# git ls-files has, README.md links doc/protocol.md, and the markdown links in
# README.md and doc/*.md stay inside the repository and point at something
# that exists. Needs python3, git and universal-ctags, no build, no network. The checks are in
# layout_check.py, which prints "ok N - ..." lines and the summary line
# scripts/test counts.
set -u
: "${UUN_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
UUN_SUITE=${UUN_SUITE:-layout/tree} exec python3 "$UUN_SRC/test/layout/layout_check.py" "$UUN_SRC"
