#!/usr/bin/env bash
# uun-updater --once against a real uun-server (127.0.4.2) whose store and
# payload directory have been tampered with: payload bytes changed after
# publishing (not installed, reported failed, tried again later and installed
# once the server has the signed bytes again), a payload cut short (the
# server's 500 is transient: tried again, installed once repaired), an entry
# signed by an unknown key, old signed entries replayed under new seqs, and
# an envelope whose payload was edited to point at another file. None of
# them is installed; the previous file stays; good entries after them install.
set -u
. "$(dirname "$0")/updater_world.bash"

updater_world 127.0.4.2
GW=127.0.4.21
gw=$(gw_dir gw-h)
updater_config gw-h "$GW"
hooks_run() { wc -l <"$gw/hook.log" 2>/dev/null || echo 0; }
# key_id PUBLIC-PEM: the first 16 hex of SHA-256 of the raw Ed25519 key (doc/protocol.md "The X-UUN header").
key_id() { openssl pkey -pubin -in "$1" -outform DER | tail -c 32 | sha256sum | cut -c1-16; }

# ---- a good entry first --------------------------------------------------------
printf 'av signatures, version 1\n' >"$work/av-1.db"
publish av "$work/av-1.db"
run_once gw-h
check_eq "seq 1 installs" "$once_rc $(installed_seq gw-h)" "0 1"
check "av.db is version 1" cmp -s "$work/av-1.db" "$gw/files/av.db"

# ---- payload bytes changed on the server after publishing ------------------------
random_file "$work/av-2.db" 100000
publish av "$work/av-2.db"
sha2=$(sha_of "$work/av-2.db")
python3 - "$work/payloads/$sha2" <<'EOF'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(5000)
    b = f.read(1)
    f.seek(5000)
    f.write(bytes([b[0] ^ 0xff]))
EOF
bad_sha=$(sha_of "$work/payloads/$sha2")
check "the payload on the server now has other bytes, same size" \
  test "$bad_sha" != "$sha2" -a "$(stat -c %s "$work/payloads/$sha2")" = 100000
run_once gw-h
check_eq "tampered payload: --once exits 1" "$once_rc" "1"
check "tampered payload: av.db is still version 1" cmp -s "$work/av-1.db" "$gw/files/av.db"
check_contains "tampered payload: the log says why" "$(cat "$gw/once.log")" \
  "error: seq 2 (av/av-2.db, 100000 bytes): not installed, trying later: sha256 of the downloaded payload is $bad_sha, the signed entry says $sha2"
check_eq "tampered payload: reported failed with the reason" "$(report_of gw-h 2)" \
  "failed|sha256 of the downloaded payload is $bad_sha, the signed entry says $sha2"
check_eq "tampered payload: the signed update stays pending (last_seq 1)" "$(installed_seq gw-h)" "1"
check_eq "tampered payload: no hook ran" "$(hooks_run)" "1"
check_eq "tampered payload: the bad download is not kept" "$(ls -A "$gw/state/partial")" ""
check "tampered payload: nothing was written beside av.db" sh -c "! ls -A '$gw/files' | grep -q uun-new"
run_once gw-h
check_eq "tampered payload: the next run tries again and refuses again" "$once_rc $(installed_seq gw-h)" "1 1"
cp "$work/av-2.db" "$work/payloads/$sha2"
run_once gw-h
check_eq "once the server has the signed bytes again, seq 2 installs" "$once_rc $(installed_seq gw-h)" "0 2"
check "  av.db is version 2" cmp -s "$work/av-2.db" "$gw/files/av.db"
check_eq "  and the report says installed" "$(report_of gw-h 2 | cut -d'|' -f1)" "installed"

# ---- a payload cut short on the server: transient, then repaired -------------------
printf 'av signatures, version 3\n' >"$work/av-3.db"
publish av "$work/av-3.db"
sha3=$(sha_of "$work/av-3.db")
truncate -s 10 "$work/payloads/$sha3"
run_once gw-h
check_eq "short payload: --once exits 1" "$once_rc" "1"
check_contains "short payload: the server's 500 is logged, to be tried later" "$(cat "$gw/once.log")" \
  "seq 3 (av/av-3.db, 25 bytes): download failed, trying later: payload ${sha3:0:12}: the server answered HTTP 500: the payload file does not match the index"
check_contains "  and on the server too" "$(cat "$work/server.log")" \
  "payloads/$sha3: payload file is 10 bytes, the index says 25"
check "short payload: av.db is still version 2" cmp -s "$work/av-2.db" "$gw/files/av.db"
check_eq "short payload: last_seq stays 2" "$(installed_seq gw-h)" "2"
check_eq "short payload: nothing reported for seq 3" "$(report_of gw-h 3)" ""
cp "$work/av-3.db" "$work/payloads/$sha3"
run_once gw-h
check_eq "once the payload is whole again, seq 3 installs" "$once_rc $(installed_seq gw-h)" "0 3"
check "  av.db is version 3" cmp -s "$work/av-3.db" "$gw/files/av.db"

# ---- an entry signed by an unknown key -----------------------------------------------
openssl genpkey -algorithm ed25519 -out "$work/stranger.key" 2>/dev/null
openssl pkey -in "$work/stranger.key" -pubout -out "$work/stranger.pub"
printf 'av signatures from a stranger\n' >"$work/av-forged.db"
read -r forged_seq _ < <("$SEED" add --store "$work/store.db" --payloads "$work/payloads" --key "$work/stranger.key" \
  --channel av --file "$work/av-forged.db")
check_eq "uun-test-seed appended the stranger's entry as seq 4" "$forged_seq" "4"
# The store now goes beyond what uun-publish signed: the operator who knows
# why starts its counters again from the store (doc/trust.md).
rm -f "$work/publisher-counters.json"
payload_gets=$(metric 'uun_http_requests_total{route="payload",status="200"}')
run_once gw-h
check_eq "unknown key: --once exits 1" "$once_rc" "1"
check_contains "unknown key: the log names the key" "$(cat "$gw/once.log")" \
  "entry 1 of the answer refused: signed only by untrusted keys ($(key_id "$work/stranger.pub")) (not installed; last_seq stays)"
check "unknown key: av.db is still version 3" cmp -s "$work/av-3.db" "$gw/files/av.db"
check_eq "unknown key: last_seq stays 3" "$(installed_seq gw-h)" "3"
check_eq "unknown key: nothing reported for seq 4" "$(report_of gw-h 4)" ""
check_eq "unknown key: no payload was fetched" \
  "$(metric 'uun_http_requests_total{route="payload",status="200"}')" "$payload_gets"

printf 'av signatures, version 5\n' >"$work/av-5.db"
publish av "$work/av-5.db"
run_once gw-h
check_contains "a good entry after the forged one: the forged one is refused again" "$(cat "$gw/once.log")" \
  "entry 1 of the answer refused: signed only by untrusted keys"
check "  and seq 5 installs" cmp -s "$work/av-5.db" "$gw/files/av.db"
check_eq "  last_seq 5" "$(installed_seq gw-h)" "5"
check_eq "  reported installed" "$(report_of gw-h 5)" "installed|"

# ---- old signed entries replayed under new seqs (a rollback) --------------------------
# The server serves rows 6 and 7 with the envelopes the publisher signed for
# seq 1 and seq 5: the signature holds, the signed seq is not above 5.
sql "INSERT INTO entries (seq, id, channel, name, sha256, size, urgent, published, target, envelope)
       SELECT 6, 'replay-6', channel, name, sha256, size, urgent, published, target, envelope FROM entries WHERE seq = 1;
     INSERT INTO entries (seq, id, channel, name, sha256, size, urgent, published, target, envelope)
       SELECT 7, 'replay-7', channel, name, sha256, size, urgent, published, target, envelope FROM entries WHERE seq = 5;
     UPDATE meta SET value = 8 WHERE key = 'next_seq';"
# The store now goes beyond what uun-publish signed: the operator who knows
# why starts its counters again from the store (doc/trust.md).
rm -f "$work/publisher-counters.json"
hooks_before=$(hooks_run)
run_once gw-h
check_contains "replay: the server offers both" "$(cat "$gw/once.log")" "poll (periodic, last_seq 5): 2 entries"
check_contains "replay: seq 1 is ignored" "$(cat "$gw/once.log")" \
  "seq 1 (av/av-1.db, 25 bytes): already handled (last_seq 5); ignored"
check_contains "replay: seq 5 (the installed one) is ignored" "$(cat "$gw/once.log")" \
  "seq 5 (av/av-5.db, 25 bytes): already handled (last_seq 5); ignored"
check "replay: av.db stays version 5" cmp -s "$work/av-5.db" "$gw/files/av.db"
check_eq "replay: last_seq stays 5 (the rows' seqs are not signed)" "$(installed_seq gw-h)" "5"
check_eq "replay: no hook ran" "$(hooks_run)" "$hooks_before"
check_eq "replay: nothing reported" "$(sql "SELECT count(*) FROM reports WHERE seq IN (6, 7)")" "0"

# ---- an envelope edited on the server to point at another payload ---------------------
printf 'av signatures, version 8\n' >"$work/av-8.db"
publish av "$work/av-8.db"
check_eq "seq 8 published after the replays" "$published_seq" "8"
printf 'malware the attacker wants installed\n' >"$work/evil.db"
evil_sha=$(sha_of "$work/evil.db")
cp "$work/evil.db" "$work/payloads/$evil_sha"
sql "INSERT INTO payloads (sha256, size, added) VALUES ('$evil_sha', $(stat -c %s "$work/evil.db"), 0)"
envelope=$(sql "SELECT envelope FROM entries WHERE seq = 8")
edited=$(python3 - "$evil_sha" "$(stat -c %s "$work/evil.db")" "$envelope" <<'EOF'
import base64, json, sys
env = json.loads(sys.argv[3])
entry = json.loads(base64.b64decode(env["payload"]))
entry["sha256"], entry["size"] = sys.argv[1], int(sys.argv[2])
env["payload"] = base64.b64encode(json.dumps(entry, separators=(",", ":")).encode()).decode()
print(json.dumps(env))
EOF
)
sql "UPDATE entries SET envelope = '${edited//\'/\'\'}', sha256 = '$evil_sha' WHERE seq = 8"
run_once gw-h
check_eq "edited envelope: --once exits 1" "$once_rc" "1"
check_contains "edited envelope: its signature does not verify" "$(cat "$gw/once.log")" \
  "entry 3 of the answer refused: signature by key $(key_id "$work/publisher.pub") does not verify"
check "edited envelope: av.db stays version 5" cmp -s "$work/av-5.db" "$gw/files/av.db"
check "edited envelope: the attacker's payload is nowhere in the appliance" \
  sh -c "! grep -rqs 'malware the attacker' '$gw'"
check_eq "edited envelope: last_seq stays 5" "$(installed_seq gw-h)" "5"

printf 'av signatures, version 9\n' >"$work/av-9.db"
publish av "$work/av-9.db"
run_once gw-h
check "after all that, seq 9 installs" cmp -s "$work/av-9.db" "$gw/files/av.db"
check_eq "  last_seq 9" "$(installed_seq gw-h)" "9"
check "  av.db.uun-prev is version 5" cmp -s "$work/av-5.db" "$gw/files/av.db.uun-prev"
check_eq "  the hook ran for seqs 1, 2 (once repaired), 3, 5 and 9 only" "$(cut -d' ' -f1 "$gw/hook.log" | tr '\n' ' ')" \
  "seq=1 seq=2 seq=3 seq=5 seq=9 "

if [ "$UUN_FAILED" -gt 0 ]; then
  for f in "$gw/updater.log" "$work/server.log"; do
    echo "# $f (last 40 lines):"
    tail -40 "$f" | sed 's/^/#   /'
  done
fi
summary
