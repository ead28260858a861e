#!/usr/bin/env bash
# The v2 trust model on a real uun-server (server 127.0.1.4, client
# 127.0.1.50): a roots_dir with a 2-of-3 root v1 rotated to v2 (made by
# uun-test-trust with lib/proto), v2 entries seeded with their channel_seq,
# polls by curl as a v2 updater: roots after root_version that follow the
# chain, a timestamp statement that verifies, entries per channel position
# not filtered by target, wanted seqs served; a v1 poll unchanged; a broken
# chain, a timestamp key not in the newest root and a partial trust section
# stop the server at start, naming the file or key.
set -u
. "$(dirname "$0")/../lib/server_world.bash"
TRUST=$UUN_BUILD/test/tools/uun-test-trust

make_world 127.0.1.4
port=$(free_port 127.0.1.4)
client_ip=127.0.1.50
mkdir -p "$work/keys" "$work/roots" "$work/bad"
for k in r1a r1b r1c r2a r2b r2c r3a r3b r3c ts1 ts2 notify; do
  openssl genpkey -algorithm ed25519 -out "$work/keys/$k.pem" 2>/dev/null || exit 1
done
keys() { local out="" k; for k in "$@"; do out+="${out:+,}$work/keys/$k.pem"; done; echo "$out"; }
key_id() { openssl pkey -in "$1" -pubout -outform DER | tail -c 32 | sha256sum | cut -c1-16; }
# make_root FILE VERSION ROOT-KEYS TIMESTAMP-KEY SIGNERS...
make_root() {
  local file=$1 version=$2 root=$3 stamp=$4 k
  shift 4
  "$TRUST" root-make --out "$file" --version "$version" --root "$(keys $root)" --root-threshold 2 \
    --publisher "$work/publisher.key" --timestamp "$(keys "$stamp")" --notify "$(keys notify)" || exit 1
  for k in "$@"; do "$TRUST" root-sign --key "$work/keys/$k.pem" "$file" || exit 1; done
}
make_root "$work/roots/1.root.json" 1 "r1a r1b r1c" ts1 r1a r1c
make_root "$work/roots/2.root.json" 2 "r2a r2b r2c" ts2 r1b r1c r2a r2b
cp "$work/roots/1.root.json" "$work/shipped.root.json"

# ---- the log: seq channel/channel_seq ---------------------------------------
for f in a b c d e; do head -c 100 /dev/urandom >"$work/$f.bin"; done
read -r s1 _ < <(seed av "$work/a.bin")                                            # v1 entry
read -r s2 _ < <(seed av "$work/b.bin" --channel-seq 1)
read -r s3 _ < <(seed av "$work/c.bin" --channel-seq 2 --target product=mg-9000)   # another product
read -r s4 _ < <(seed sys "$work/d.bin" --channel-seq 1)
read -r s5 _ < <(seed web "$work/e.bin" --channel-seq 1)                           # not followed
check_eq "seeded five entries" "$s1 $s2 $s3 $s4 $s5" "1 2 3 4 5"
check_eq "the v2 entries carry their channel_seq in the store" \
  "$(sql "SELECT group_concat(channel || '/' || channel_seq, ' ') FROM (SELECT * FROM entries ORDER BY seq)")" \
  "av/0 av/1 av/2 sys/1 web/1"

trust_line="trust: {roots_dir: $work/roots, timestamp_key: $work/keys/ts2.pem, timestamp_lifetime: 2h}"
write_config "$work/server.yaml" "$trust_line"
check_eq "--print-config shows trust.roots_dir" "$("$SERVER" -c "$work/server.yaml" --print-config trust.roots_dir)" "$work/roots"
check_eq "--print-config shows trust.timestamp_lifetime" \
  "$("$SERVER" -c "$work/server.yaml" --print-config trust.timestamp_lifetime)" "2h"
start_server "$work/server.yaml"
check_contains "the chain is logged at start" "$(cat "$work/server.log")" "trust: serving roots v1 to v2 from $work/roots"

# v2_body ID TOKEN ROOT_VERSION POSITIONS-JSON WANTED-JSON
v2_body() {
  local b
  b=$(poll_body "$1" "$2" 0)
  printf '%s,"root_version":%s,"positions":%s,"wanted":%s}' "${b%\}}" "$3" "$4" "$5"
}
token=$(new_token)
code=$(api -o "$work/v2.json" -w '%{http_code}' -d "$(v2_body gw-1 "$token" 1 '{"av":1}' '[5]')" /v1/poll)
check_eq "a v2 poll answers 200" "$code" "200"
check_eq "the roots after v1 follow the chain from the shipped root" \
  "$("$TRUST" roots --trusted "$work/shipped.root.json" <"$work/v2.json" 2>&1)" "root 2"
stamp=$("$TRUST" timestamp --root "$work/roots/2.root.json" <"$work/v2.json" 2>&1)
check_contains "the timestamp verifies with root v2 and is fresh" "$stamp" "verdict fresh"
check_contains "  it lives trust.timestamp_lifetime" "$stamp" "lifetime 7200"
check_contains "  its log_head is the log's" "$stamp" "log_head 5"
check_eq "  its heads are every channel's newest channel_seq" "$(echo "$stamp" | grep '^head' | tr '\n' ' ')" \
  "head av 2 head sys 1 head web 1 "
check "the timestamp does not verify with root v1 (the old timestamp key)" \
  sh -c "! '$TRUST' timestamp --root '$work/roots/1.root.json' <'$work/v2.json' 2>/dev/null"
check_eq "entries: av after 1 whatever the target, sys from 0, wanted web seq 5; each signed by the publisher role" \
  "$("$TRUST" entries --root "$work/roots/2.root.json" <"$work/v2.json" 2>&1 | tr '\n' ' ')" "3 av 2 4 sys 1 5 web 1 "
check_eq "  no more" "$(json_get "$work/v2.json" 'j["more"]')" "false"

api -o "$work/v2b.json" -d "$(v2_body gw-1 "$token" 2 '{"av":2,"sys":1}' '[1]')" /v1/poll
check_eq "at root_version 2 no roots" "$(json_get "$work/v2b.json" 'len(j["roots"])')" "0"
check_eq "  nothing after the positions, and the wanted v1 entry is not served" \
  "$(json_get "$work/v2b.json" 'len(j["entries"])')" "0"
check_eq "  the same statement (heads unchanged)" "$(json_get "$work/v2b.json" 'j["timestamp"]')" \
  "$(json_get "$work/v2.json" 'j["timestamp"]')"

api -o "$work/v1.json" -d "$(poll_body gw-2 "$(new_token)" 0)" /v1/poll
check_eq "a v1 poll gets no roots and no timestamp" \
  "$(json_get "$work/v1.json" '[k for k in ("roots", "timestamp") if k in j]')" "[]"
check_eq "  and its entries by last_seq and target, as before" \
  "$("$SEED" verify --pubkey "$work/publisher.pub" <"$work/v1.json" | cut -d' ' -f1,2 | tr '\n' ' ')" "1 av 2 av 4 sys "

metrics=$(admin_api /metrics)
check_contains "metrics: one statement signed for two polls" "$metrics" "uun_timestamp_statements_signed_total 1"
check_contains "metrics: the newest root version" "$metrics" "uun_trust_root_version 2"

# ---- SIGHUP: a rotation is served without a restart; roots never go back -----
# hup_until TEXT: SIGHUP, then wait for the log to say TEXT (one more time than before).
hup_until() {
  local before
  before=$(grep -cF -- "$1" "$work/server.log")
  kill -HUP "$server_pid"
  wait_for 10 sh -c "[ \$(grep -cF -- '$1' '$work/server.log') -gt $before ]"
}
roots_after() {  # roots_after VERSION: the root versions a v2 poll at VERSION gets
  api -o "$work/hup.json" -d "$(v2_body gw-1 "$token" "$1" '{"av":1}' '[]')" /v1/poll
  json_get "$work/hup.json" '" ".join(str(json.loads(__import__("base64").b64decode(r["payload"]))["version"]) for r in j["roots"])'
}
make_root "$work/roots/3.root.json" 3 "r3a r3b r3c" ts2 r2a r2c r3a r3b
check "SIGHUP with root v3 in roots_dir: the log says v3 is new" hup_until "SIGHUP: trust: serving roots v1 to v3 (new)"
check_eq "  a poll at root v1 gets v2 and v3" "$(roots_after 1)" "2 3"
check_contains "  metrics: root version 3" "$(admin_api /metrics)" "uun_trust_root_version 3"
mv "$work/roots/3.root.json" "$work/rotated-3.root.json"
check "SIGHUP with v3 gone: refused, roots never go back" hup_until "goes only to root v2 but v3 is served"
check_eq "  v3 is still served" "$(roots_after 2)" "3"
cp "$work/rotated-3.root.json" "$work/roots/3.root.json"
make_root "$work/roots/4.root.json" 4 "r3a r3b r3c" ts2 r3a
check "SIGHUP with a v4 under its threshold: refused, naming the file" hup_until "4.root.json"
check_contains "  the log says what stays" "$(grep -F 4.root.json "$work/server.log" | tail -1)" "roots v1 to v3 stay"
check_eq "  v4 is not served" "$(roots_after 2)" "3"
rm -f "$work/roots/4.root.json" "$work/roots/3.root.json"
stop_server
check_eq "the server exits 0" "$server_rc" "0"

# ---- refused at start ------------------------------------------------------
# refused NAME YAML-LINE: uun-server -f with that trust section; prints its exit status and output.
refused() {
  write_config "$work/$1.yaml" "$2"
  timeout 20 "$SERVER" -f -c "$work/$1.yaml" 2>&1
  echo "exit $?"
}
cp "$work/roots/1.root.json" "$work/bad/1.root.json"
make_root "$work/bad/2.root.json" 2 "r2a r2b r2c" ts2 r2a r2b r2c
out=$(refused broken "trust: {roots_dir: $work/bad, timestamp_key: $work/keys/ts2.pem}")
check_contains "v2 signed only by the new keys: refused" "$out" "exit 1"
check_contains "  naming the file and the reason" "$out" \
  "$work/bad/2.root.json: next root is not signed by the trusted root's keys"
mv "$work/bad/2.root.json" "$work/bad/3.root.json"
out=$(refused gap "trust: {roots_dir: $work/bad, timestamp_key: $work/keys/ts2.pem}")
check_contains "a gap in the chain is refused, naming the missing file" "$out" "2.root.json is missing before"
out=$(refused oldkey "trust: {roots_dir: $work/roots, timestamp_key: $work/keys/ts1.pem}")
check_contains "a timestamp key not in root v2 is refused" "$out" "exit 1"
check_contains "  naming its key id and the root version" "$out" \
  "key $(key_id "$work/keys/ts1.pem") is not in the timestamp role of root v2"
out=$(refused partial "trust: {roots_dir: $work/roots}")
check_contains "a trust section without timestamp_key is refused" "$out" "'trust.timestamp_key' is required"
check_contains "  exit 1" "$out" "exit 1"

summary
