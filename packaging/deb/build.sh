#!/usr/bin/env bash
# packaging/deb/build.sh OUTDIR [dpkg-buildpackage options]: builds the
# uun-milter and uun-server .debs into OUTDIR. dpkg-buildpackage wants debian/
# at the top of the source tree and ours lives in packaging/deb/debian, so
# this copies the tree as it is now (tracked and new files, not ignored
# ones) to a temporary staging directory, puts debian/ at its top and builds
# there: the worktree stays clean. The default options are -us -uc -b.
# Exit status: dpkg-buildpackage's; its log is OUTDIR/build.log.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: packaging/deb/build.sh OUTDIR [dpkg-buildpackage options]}
shift
[ $# -gt 0 ] || set -- -us -uc -b
mkdir -p "$out"
out=$(cd "$out" && pwd)

stage=$(mktemp -d "${TMPDIR:-/tmp}/uun-deb-stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
version=$(dpkg-parsechangelog -l "$src/packaging/deb/debian/changelog" -S Version)
tree=$stage/uun-$version
mkdir -p "$tree"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$src" && git ls-files -z --cached --others --exclude-standard) |
    while IFS= read -r -d '' f; do
      [ -e "$src/$f" ] && printf '%s\0' "$f"
    done | (cd "$src" && xargs -0 cp -a --parents -t "$tree")
else
  (cd "$src" && tar --exclude='./build*' --exclude=./.git -cf - .) | tar -C "$tree" -xf -
fi
cp -a "$tree/packaging/deb/debian" "$tree/debian"

echo "building in $tree: dpkg-buildpackage $*"
if (cd "$tree" && dpkg-buildpackage "$@") >"$out/build.log" 2>&1; then
  find "$stage" -maxdepth 1 -type f \( -name '*.deb' -o -name '*.changes' -o -name '*.buildinfo' \) \
    -exec mv -t "$out" {} +
  ls "$out"
else
  rc=$?
  tail -40 "$out/build.log"
  exit "$rc"
fi
