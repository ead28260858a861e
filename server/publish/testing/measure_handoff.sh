#!/usr/bin/env bash
# Measures uun-publish's hand-off of N UUNs (default 1000) to a private
# Postfix on 127.0.7.1 (the benchmark range) for each submit method and parallelism, and the time
# until the vendor queue has drained into one smtp-sink. Prints figures only;
# nothing here asserts a duration. Run as root from the source tree:
#   server/publish/testing/measure_handoff.sh [N]
set -u
: "${UUN_SRC:=$(cd "$(dirname "$0")/../../.." && pwd)}"
: "${UUN_BUILD:=$UUN_SRC/build}"
. "$UUN_SRC/test/lib/testlib.sh"
. "$UUN_SRC/test/lib/postfix.sh"

count=${1:-1000}
PUBLISH=$UUN_BUILD/server/publish/uun-publish
KEYGEN=$UUN_BUILD/server/keygen/uun-keygen
TOOL=$UUN_BUILD/server/publish/testing/uun-publish-testtool

work=$(mktemp -d /tmp/uun-measure-handoff.XXXXXX)
vendor=$work/vendor
sink_pid=""
cleanup() {
  [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null && wait "$sink_pid" 2>/dev/null
  postfix_stop "$vendor"
  rm -rf "$work"
}
trap cleanup EXIT

relay_map=$vendor/etc/uun_relayhost
postfix_create "$vendor" 127.0.7.1 25 "sender_dependent_default_transport_maps = hash:$relay_map" \
  "default_process_limit = 200" || exit 1
: >"$relay_map" && postmap -c "$vendor/etc" "hash:$relay_map" && postfix_start "$vendor" || exit 1
smtp-sink -u postfix 127.0.7.11:25 1024 &
sink_pid=$!
"$KEYGEN" "$work/publisher" >/dev/null 2>&1 || exit 1
mkdir -p "$work/payloads"
printf 'payload\n' >"$work/p.bin"

config() {  # config FILE SUBMIT PARALLEL
  cat >"$1" <<EOF
store: {sqlite: $work/store.db, payload_dir: $work/payloads}
publish: {key: $work/publisher.key, channels: [av], from: uun@vendor.test, sender_domain: uun.vendor.test}
mta:
  submit: $2
  parallel: $3
  smtp: "127.0.7.1:25"
  sendmail: [/usr/sbin/sendmail, -C, $vendor/etc]
  relay_map: $relay_map
  postmap: [/usr/sbin/postmap, -c, $vendor/etc]
  reload: [/usr/sbin/postfix, -c, $vendor/etc, reload]
log: {syslog: false}
EOF
}
config "$work/c.yaml" sendmail 1
"$TOOL" register --config "$work/c.yaml" --id gw- --count "$count" --address 127.0.7.11 \
  --recipient uun@appliance.test --channels av || exit 1

echo "hand-off of $count UUNs (relay map + postmap + reload + submission), then queue drained:"
for run in ${UUN_MEASURE_RUNS:-"sendmail:1" "sendmail:4" "sendmail:8" "sendmail:16" "smtp:1" "smtp:2" "smtp:4" "smtp:8"}; do
  run=${run/:/ }
  set -- $run
  config "$work/c.yaml" "$1" "$2"
  start=$(date +%s.%N)
  out=$("$PUBLISH" -c "$work/c.yaml" --channel av --urgent "$work/p.bin" 2>&1)
  command=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
  queued=$(grep -o '[0-9]* of [0-9]* UUNs queued' <<<"$out")
  handoff=$(grep -o 'hand-off [0-9.]* s' <<<"$out")
  postfix_wait_empty "$vendor" 600
  drained=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
  printf '  submit=%-8s parallel=%-2s  %s, %s, command %.1f s, queue drained after %.1f s\n' \
    "$1" "$2" "$queued" "$handoff" "$command" "$drained"
done
