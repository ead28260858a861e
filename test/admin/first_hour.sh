#!/usr/bin/env bash
# The admin's first hour (issue 17), with the programs as built and nothing
# else: every program answers -h/--help and -V/--version the same way, its
# usage names every option it has, the built-in config paths are the
# packages' /etc/uun, a fresh store's reports are empty and exit 0 (as a
# table and as JSON) without the store being made, and two keys that do not
# fit together are refused naming both.
set -u
. "$(dirname "$0")/../lib/testlib.sh"
: "${UUN_BUILD:?run from scripts/test or set UUN_BUILD}"
: "${UUN_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
command -v jq >/dev/null || { echo "first_hour: jq is missing (scripts/test installs it)"; exit 2; }

work=$(mktemp -d /tmp/uun-first-hour.XXXXXX)
trap 'rm -rf "$work"' EXIT

declare -A bin=(
  [uun-server]=$UUN_BUILD/server/daemon/uun-server
  [uun-publish]=$UUN_BUILD/server/publish/uun-publish
  [uun-milter]=$UUN_BUILD/milter/filter/uun-milter
  [uun-updater]=$UUN_BUILD/milter/updater/uun-updater
  [uun-keygen]=$UUN_BUILD/server/keygen/uun-keygen
)
declare -A config_file=([uun-server]=server.yaml [uun-publish]=server.yaml [uun-milter]=milter.yaml
                        [uun-updater]=updater.yaml)

# ---- one command-line convention ---------------------------------------------
for p in uun-server uun-publish uun-milter uun-updater uun-keygen; do
  b=${bin[$p]}
  help=$("$b" --help 2>&1); rc=$?
  check_eq "$p --help exits 0" "$rc" "0"
  check_eq "$p -h is --help" "$("$b" -h 2>&1)" "$help"
  for part in "Usage:" "Examples:" "Exit status:" "-h [ --help ]" "-V [ --version ]"; do
    check_contains "$p --help has '$part'" "$help" "$part"
  done
  version=$("$b" --version 2>&1); rc=$?
  check_eq "$p --version exits 0" "$rc" "0"
  check_eq "$p --version prints its name and version" "$version" "$p 0.1.0"
  check_eq "$p -V is --version" "$("$b" -V 2>&1)" "$version"
  out=$("$b" --no-such-option 2>&1); rc=$?
  check_eq "$p: an unknown option exits 2" "$rc" "2"
  check_contains "$p: and says where to look" "$out" "(see --help)"

  # Every option in the table appears in the usage lines, short or long.
  usage=$(printf '%s\n' "$help" | sed -n '/^Usage:/,/^$/p')
  missing=""
  while read -r short long; do
    [ -z "$long" ] && { long=$short; short=""; }
    case "$usage" in *"$long"*) continue ;; esac
    [ -n "$short" ] && printf '%s\n' "$usage" | grep -qE -- "(^|[ [|])$short([] |]|\$)" && continue
    missing="$missing $long"
  done < <(printf '%s\n' "$help" | sed -n 's/^  \(-[a-zA-Z]\) \[ \(--[a-z-]*\) \].*/\1 \2/p; s/^  \(--[a-z-]*\).*/ \1/p')
  check_eq "$p: the usage lines name every option" "${missing# }" ""

  if [ -n "${config_file[$p]:-}" ]; then
    check_contains "$p reads /etc/uun, as the packages and man pages say" "$help" \
      "read FILE instead of /etc/uun/${config_file[$p]}"
  fi
  man=$UUN_SRC/doc/man/$p.8
  check "$p(8) exists" test -s "$man"
  check_contains "$p(8) shows -V" "$(cat "$man")" '\-V'
done
check_contains "uun-milter's usage has -t" "$("${bin[uun-milter]}" --help)" "uun-milter [-c FILE] -t"

# ---- empty results are results ----------------------------------------------
cat >"$work/server.yaml" <<YAML
store: {sqlite: $work/var/store.db, payload_dir: $work/var/payloads}
publish: {key: $work/publisher.key, channels: [av], from: uun@vendor.test, sender_domain: vendor.test}
mta: {relay_map: $work/relay}
log: {syslog: false}
YAML
publish() { "${bin[uun-publish]}" -c "$work/server.yaml" "$@"; }
for cmd in --list --appliances --pending --status; do
  out=$(publish $cmd 2>"$work/err"); rc=$?
  check_eq "fresh store: uun-publish $cmd exits 0" "$rc" "0"
  check "  and prints the table's header" grep -qE '^(ID|SEQ|APPLIANCE)  ' <<<"$out"
  check_contains "  and says why it is empty" "$out" "(no "
  check_contains "  and says on stderr that the store is not there yet" "$(cat "$work/err")" "does not exist yet"
  json=$(publish $cmd --json 2>/dev/null); rc=$?
  check_eq "fresh store: uun-publish $cmd --json exits 0" "$rc" "0"
  check "  and prints valid JSON" jq -e . <<<"$json" >/dev/null
done
check_eq "--list --json: no entries" "$(publish --list --json 2>/dev/null | jq -cS .)" '{"entries":[]}'
check_eq "--appliances --json: no appliances" "$(publish --appliances --json 2>/dev/null | jq -cS .)" '{"appliances":[]}'
check_eq "--pending --json: no requests" "$(publish --pending --json 2>/dev/null | jq -cS .)" '{"requests":[]}'
check_eq "--status --json: no entry" "$(publish --status --json 2>/dev/null | jq -cS .)" '{"appliances":[],"entry":null}'
check "the reports did not make the store (it is uun-server's)" test ! -e "$work/var/store.db"
publish --status 4 >/dev/null 2>"$work/err"; rc=$?
check_eq "--status SEQ of nothing is still bad input (3)" "$rc" "3"
check_contains "  naming it" "$(cat "$work/err")" "no entry with seq 4 (nothing is published yet)"

# ---- keys that only make sense together ----------------------------------------
cat >"$work/daemon.yaml" <<YAML
listen: ["127.0.0.1:8443"]
tls: {certificate: $work/tls.crt, key: $work/tls.key}
store: {sqlite: $work/var/store.db, payload_dir: $work/var/payloads}
registry: {expire_after: 1d}
poll: {interval: 7d}
log: {syslog: false}
YAML
out=$("${bin[uun-server]}" -f -c "$work/daemon.yaml" 2>&1); rc=$?
check_eq "expire_after 1d with poll.interval 7d: uun-server refuses to start (1)" "$rc" "1"
check_contains "  naming the first key and its line" "$out" "daemon.yaml:4: 'registry.expire_after': 1d is shorter"
check_contains "  and the second key" "$out" "poll.interval (7d)"
check_contains "  and what to set" "$out" "make it at least 3 x poll.interval (21d)"
printf 'registry: {expire_after: 1d}\npoll: {interval: 7d}\n' >>"$work/server.yaml"
out=$(publish --list 2>&1); rc=$?
check_eq "  uun-publish refuses the same pair (2)" "$rc" "2"
check_contains "  naming both keys" "$out" "'registry.expire_after': 1d is shorter than the longest gap between two polls of one appliance, poll.interval (7d)"
sed -i 's/poll: {interval: 7d}/poll: {interval: 12h}/' "$work/server.yaml"
out=$(publish --list 2>&1); rc=$?
check_eq "expire_after 1d with poll.interval 12h works (0)" "$rc" "0"
check_contains "  with a warning naming both" "$out" "uun-publish: warning: $work/server.yaml:5: 'registry.expire_after': 1d is under 3 x poll.interval (36h)"

summary
