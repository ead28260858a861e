#!/usr/bin/env bash
# The v2 trust model end to end on real Postfix (test/lib/world.sh,
# 127.0.9.0/24), with the attacker holding the server host (its database, its
# keys): a 2-of-3 root made and signed with uun-keygen; an urgent publish
# through the root; a stolen notify key that can only make the appliance
# poll; a withheld entry that is reported and never skipped; an entry hidden
# from the store and the statements that the next UUN's heads reveal; a root rotation
# (root keys, publisher revoked, notify key rotated in two steps) followed
# with no edit on the appliance; an entry signed by the revoked key refused;
# an expired root that stops installs until a renewal; a root signed by too
# few keys that uun-server refuses to serve; a frozen server (its clock
# behind, under faketime) whose statements arrive stale and are reported.
# doc/trust.md is the model.
set -u
: "${UUN_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${UUN_BUILD:=$UUN_SRC/build}"
: "${WORLD_NET:=127.0.9}"
. "$UUN_SRC/test/lib/world.sh"
SEED=$UUN_BUILD/test/tools/uun-test-seed
HEADER=$UUN_BUILD/test/tools/make_uun_header

trap world_destroy EXIT
world_create || exit 1
v=$WORLD/vendor
keys=$v/keys
roots=$v/roots
mkdir -p "$keys" "$roots"
for k in root-1 root-2 root-3 root-4 timestamp notify notify-2 publisher-2; do
  "$UUN_KEYGEN_BIN" "$keys/$k" >/dev/null || exit 1
done
chmod 644 "$keys"/*.pub
pub() { local out="" k; for k in "$@"; do out+="${out:+,}$keys/$k.pub"; done; echo "$out"; }
# root_new FILE VERSION EXPIRES ROOTKEYS PUBLISHER NOTIFYKEYS: an unsigned root (2 of the root keys).
root_new() {
  "$UUN_KEYGEN_BIN" --root-new "$1" --root-version "$2" --expires "$3" --root-key "$4" --root-threshold 2 \
    --publisher-key "$5" --timestamp-key "$(pub timestamp)" --notify-key "$6" >/dev/null
}
root_sign() {
  local file=$1 k
  shift
  for k in "$@"; do "$UUN_KEYGEN_BIN" --root-sign "$file" --key "$keys/$k.key" >/dev/null || return 1; done
}
db=$v/store.db
log_of() { cat "$(world_updater_log a)"; }
hooks() { grep -c . "$(world_hook_log a)" 2>/dev/null || echo 0; }
# stolen_uun SEQ: a UUN for SEQ signed with the stolen notify key, mailed to gw-a from the internet.
stolen_uun() {
  swaks --silent 2 --server "$(world_ip a):25" --local-interface "$WORLD_CLIENT_IP" --from attacker@internet.example \
    --to "$(world_recipient a)" --header "X-UUN: $("$HEADER" --key "$keys/notify.key" --seq "$1" --channel av)" \
    --body "install me"
}

# ---- the ceremony: root v1, 2 of 3 -------------------------------------------
root_new "$roots/1.root.json" 1 365d "$(pub root-1 root-2 root-3)" "$v/publisher.pub" "$(pub notify)"
root_sign "$roots/1.root.json" root-1
"$UUN_KEYGEN_BIN" --root-show "$roots/1.root.json" >"$WORLD/show1.out" 2>&1
check_eq "a root signed by 1 of 3 root keys does not verify (--root-show exits 1)" "$?" "1"
root_sign "$roots/1.root.json" root-2
check "signed by 2 of 3 it verifies" "$UUN_KEYGEN_BIN" --root-show "$roots/1.root.json"
chmod 644 "$roots"/*.json

WORLD_VENDOR_SETTINGS=("publish.root=$roots/1.root.json" "publish.notify_key=$keys/notify.key")
WORLD_VENDOR_APPEND=$(printf 'trust:\n  roots_dir: %s\n  timestamp_key: %s\n  timestamp_lifetime: 1h' \
  "$roots" "$keys/timestamp.key")
WORLD_ROOT=$roots/1.root.json
world_vendor_start || exit 1
world_appliance a 1 unix || exit 1
world_updater_start a || exit 1
check "gw-a registers by its first poll" world_wait_registered a 30
check "gw-a follows root v1" grep -q "root v1" "$(world_updater_log a)"
# gw-b is a v1 appliance being migrated (doc/trust.md): its updater still has
# trusted_keys (the publisher key, which root v1's publisher role holds), its
# milter the publisher and the notify key.
WORLD_ROOT=""
world_appliance b 2 inet || exit 1
sed -i "s|^trusted_keys: .*|trusted_keys: [$v/publisher.pub, $keys/notify.pub]|" "$(world_dir b)/milter.yaml"
world_milter_stop b
world_milter_start b || exit 1
world_updater_start b || exit 1
check "gw-b (v1) registers" world_wait_registered b 30
WORLD_ROOT=$roots/1.root.json

# ---- 1. an urgent publish through the root ----------------------------------
printf 'av 1\n' >"$WORLD/av-1.db"
out=$(world_publish --channel av --urgent "$WORLD/av-1.db" 2>&1)
check_contains "uun-publish signs av #1 with its own seq" "$out" "published seq 1 (av-1) channel av channel_seq 1"
check "gw-a installs seq 1, woken by a UUN signed with the notify key" world_wait_installed a 1 30
check "the milter took the UUN with the root's notify key" grep -q "discarded" "$(world_milter_log a)"
check "no trust alarm at gw-a" bash -c "! grep -q 'error:' '$(world_updater_log a)'"
check "the v1 appliance gw-b installs the v2 entry too" world_wait_installed b 1 30

# ---- migration: gw-b moves from trusted_keys to the root --------------------
world_updater_stop b
world_milter_stop b
world_root_mode "$(world_updater_config b)" "trust:" "  root: $WORLD_ROOT"
world_root_mode "$(world_dir b)/milter.yaml" "trusted_root: [$(world_dir b)/updater-state/root.json, $WORLD_ROOT]"
world_milter_start b || exit 1
world_updater_start b || exit 1
printf 'sys 0\n' >"$WORLD/sys-0.tar"
out=$(world_publish --channel sys --urgent "$WORLD/sys-0.tar" 2>&1)
sys0=$(sed -n 's/^published seq \([0-9]*\) .*/\1/p' <<<"$out")
check "migrated gw-b installs the next entry (seq $sys0)" world_wait_installed b "$sys0" 30
check "gw-b says what it finished under trusted_keys" \
  grep -q "entries up to seq 1 were finished under trusted_keys" "$(world_updater_log b)"
check_eq "and does not install seq 1 again" "$(grep -c ' seq=1 ' "$(world_hook_log b)")" "1"
check "gw-a installs it too" world_wait_installed a "$sys0" 30
world_updater_stop b
world_milter_stop b

# ---- 2. a stolen notify key makes the appliance poll, and nothing else ------
before=$(hooks)
check "a UUN signed by the stolen notify key is taken (it only makes gw-a poll)" stolen_uun 900
check "gw-a polls and says seq 900 was not served" wait_for 30 grep -q "UUN announced seq 900; the server has not served it" "$(world_updater_log a)"
# The thief also signs an entry with the notify key and puts it in the store.
printf 'evil\n' >"$WORLD/evil.db"
evil=$("$SEED" add --store "$db" --payloads "$v/payloads" --key "$keys/notify.key" --channel av \
  --file "$WORLD/evil.db" --channel-seq 2 | cut -d' ' -f1) || exit 1
stolen_uun "$evil" || exit 1
check "an entry signed by the notify key (seq $evil, announced with it) is refused by the publisher role" \
  wait_for 30 grep -q "publisher role of root v1" "$(world_updater_log a)"
check_eq "and nothing was installed" "$(hooks)" "$before"
sqlite3 "$db" "DELETE FROM entries WHERE channel_seq = 2 AND channel = 'av'"

# ---- 3. a withheld entry is reported, never skipped -------------------------
world_updater_stop a
printf 'av 2 (the fix)\n' >"$WORLD/av-2.db"
printf 'sys 1\n' >"$WORLD/sys-1.tar"
out=$(world_publish --channel av --urgent "$WORLD/av-2.db" 2>&1)
av2=$(sed -n 's/^published seq \([0-9]*\) .*/\1/p' <<<"$out")
check "the UUN for av #2 (seq $av2) reaches gw-a's spool while its updater is down" \
  wait_for 30 bash -c "ls '$(world_spool a)' | grep -q '^uun-$av2-'"
# The attacker hides av #2 and lets the newer sys entry through.
sqlite3 "$db" "CREATE TABLE stash AS SELECT * FROM entries WHERE seq = $av2; DELETE FROM entries WHERE seq = $av2"
out=$(world_publish --channel sys "$WORLD/sys-1.tar" 2>&1)
sys1=$(sed -n 's/^published seq \([0-9]*\) .*/\1/p' <<<"$out")
"$UUN_UPDATER_BIN" --once -f -c "$(world_updater_config a)" >"$WORLD/once.log" 2>&1
check_eq "uun-updater --once exits 3 (a trust alarm)" "$?" "3"
check "it installs the sys entry (seq $sys1)" world_installed_seq a "$sys1"
check "it says the announced av entry was not served" grep -q "UUN announced seq $av2; the server has not served it" "$WORLD/once.log"
position() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["positions"][sys.argv[2]])' "$(world_dir a)/updater-state/state.json" "$1"; }
check_eq "the av channel stays at #1" "$(position av)" "1"
check "the trigger for seq $av2 is kept" bash -c "ls '$(world_spool a)' | grep -q '^uun-$av2-'"
check_contains "gw-a reported it to the vendor" "$(sqlite3 "$db" "SELECT status, detail FROM reports WHERE seq = $av2")" \
  "failed|a verified UUN announced seq $av2 but the server's poll answer did not hold it"
sqlite3 "$db" "INSERT INTO entries SELECT * FROM stash; DROP TABLE stash"
world_updater_start a || exit 1
check "once served, av #2 (seq $av2) is installed" world_wait_installed a "$av2" 30
check "and its trigger is done" wait_for 10 bash -c "! ls '$(world_spool a)' | grep -q '^uun-$av2-'"

# ---- 4. rotation: root keys, publisher revoked, notify key added ------------
root_new "$roots/2.root.json" 2 365d "$(pub root-2 root-3 root-4)" "$(pub publisher-2)" "$(pub notify notify-2)"
root_sign "$roots/2.root.json" root-1 root-2 root-4
check "--root-show: v2 follows v1 (old and new thresholds met)" \
  "$UUN_KEYGEN_BIN" --root-show "$roots/2.root.json" --previous "$roots/1.root.json"
chmod 644 "$roots"/*.json
conf=$(world_server_config)
sed -i "s|^  key: $v/publisher.key|  key: $keys/publisher-2.key|; s|^  root: .*1.root.json|  root: $roots/2.root.json|" "$conf"
world_server_stop
world_server_start || exit 1
printf 'av 3\n' >"$WORLD/av-3.db"
out=$(world_publish --channel av --urgent "$WORLD/av-3.db" 2>&1)
av3=$(sed -n 's/^published seq \([0-9]*\) .*/\1/p' <<<"$out")
check_contains "the new publisher key signs av #3" "$out" "channel_seq 3"
check "gw-a installs it, signed by the new publisher key" world_wait_installed a "$av3" 30
check "gw-a followed root v1 -> v2 with no edit" grep -q "root v1 -> v2" "$(world_updater_log a)"
check "gw-a keeps root v2 in its state directory" grep -q . "$(world_dir a)/updater-state/root.json"
# The second step of the notify rotation: the milter learnt notify-2 from v2.
sed -i "s|^  notify_key: .*|  notify_key: $keys/notify-2.key|" "$conf"
printf 'av 4\n' >"$WORLD/av-4.db"
out=$(world_publish --channel av --urgent "$WORLD/av-4.db" 2>&1)
av4=$(sed -n 's/^published seq \([0-9]*\) .*/\1/p' <<<"$out")
check "a UUN signed by notify-2 wakes gw-a (the milter read root v2 without a restart)" \
  world_wait_installed a "$av4" 30
# An entry signed with the revoked publisher key, put in the store by the thief.
before=$(hooks)
"$SEED" add --store "$db" --payloads "$v/payloads" --key "$v/publisher.key" --channel av \
  --file "$WORLD/evil.db" --channel-seq 5 >/dev/null || exit 1
evil=$(sqlite3 "$db" "SELECT seq FROM entries WHERE channel = 'av' AND channel_seq = 5")
# Announced with the old notify key (still in v2's notify role: the rotation's first step).
stolen_uun "$evil" || exit 1
check "an entry signed by the revoked publisher key is refused" \
  wait_for 30 grep -q "publisher role of root v2: signed only by untrusted keys" "$(world_updater_log a)"
check_eq "nothing installed from it" "$(hooks)" "$before"
out=$(world_publish --channel av "$WORLD/evil.db" 2>&1)
check_contains "uun-publish refuses a store the thief wrote to" "$out" "but this publisher last signed seq"
sqlite3 "$db" "DELETE FROM entries WHERE channel = 'av' AND channel_seq = 5"

# ---- 5. a root signed by too few keys; an expired root; its renewal ---------
root_new "$roots/3.root.json" 3 365d "$(pub root-2 root-3 root-4)" "$(pub publisher-2)" "$(pub notify-2)"
root_sign "$roots/3.root.json" root-2 root-3
root_sign "$roots/3.root.json" root-4
chmod 644 "$roots"/*.json
mv "$roots/3.root.json" "$WORLD/3.good.json"
root_new "$roots/3.root.json" 3 365d "$(pub root-2 root-3 root-4)" "$(pub publisher-2)" "$(pub notify-2)"
root_sign "$roots/3.root.json" root-2
chmod 644 "$roots/3.root.json"
world_server_stop
timeout 20 "$UUN_SERVER_BIN" -f -c "$conf" >"$WORLD/refused.log" 2>&1
rc=$?
check "uun-server refuses a root v3 signed by 1 of 2 keys (exit $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
check "... naming the file" grep -q "3.root.json" "$WORLD/refused.log"
# v3 expires in a few seconds; v4 renews it.
root_new "$roots/3.root.json.new" 3 "$(date -u -d '+4 seconds' +%Y-%m-%dT%H:%M:%SZ)" \
  "$(pub root-2 root-3 root-4)" "$(pub publisher-2)" "$(pub notify-2)"
root_sign "$roots/3.root.json.new" root-2 root-3 root-4
mv "$roots/3.root.json.new" "$roots/3.root.json"
chmod 644 "$roots"/*.json
world_server_start || exit 1
sleep 5
printf 'av 5\n' >"$WORLD/av-5.db"
out=$(world_publish --channel av --urgent "$WORLD/av-5.db" 2>&1)
av5=$(sed -n 's/^published seq \([0-9]*\) .*/\1/p' <<<"$out")
check "gw-a follows v3 and says it expired: nothing is installed" \
  wait_for 30 grep -q "root v3 expired at" "$(world_updater_log a)"
check "seq $av5 is not installed under an expired root" bash -c "! grep -q ' seq=$av5 ' '$(world_hook_log a)'"
root_new "$roots/4.root.json" 4 365d "$(pub root-2 root-3 root-4)" "$(pub publisher-2)" "$(pub notify-2)"
root_sign "$roots/4.root.json" root-2 root-3
chmod 644 "$roots"/*.json
world_server_stop
world_server_start || exit 1
world_publish --renotify "$av5" >/dev/null 2>&1
check "with root v4 the entry held back is installed" world_wait_installed a "$av5" 30
check "gw-a followed v3 -> v4" grep -q "root v3 -> v4" "$(world_updater_log a)"

# ---- 6. each UUN says how far every channel has gone -----------------------
# The attacker hides a routine sys entry from the store and so from its
# timestamp statements; the next urgent UUN (signed with the notify key, from
# the publisher's own counters) names the sys head, and gw-a says so.
world_updater_stop a
printf 'sys (routine, then hidden)\n' >"$WORLD/sys-hidden.tar"
out=$(world_publish --channel sys "$WORLD/sys-hidden.tar" 2>&1)
hidden=$(sed -n 's/^published seq \([0-9]*\) .*/\1/p' <<<"$out")
hidden_at=$(sed -n 's/^published seq .* channel sys channel_seq \([0-9]*\),.*/\1/p' <<<"$out")
sqlite3 "$db" "CREATE TABLE stash AS SELECT * FROM entries WHERE seq = $hidden; DELETE FROM entries WHERE seq = $hidden"
printf 'av (urgent, with heads)\n' >"$WORLD/av-heads.db"
out=$(world_publish --channel av --urgent "$WORLD/av-heads.db" 2>&1)
av3=$(sed -n 's/^published seq \([0-9]*\) .*/\1/p' <<<"$out")
check "the UUN for seq $av3 reaches gw-a's spool" wait_for 30 bash -c "ls '$(world_spool a)' | grep -q '^uun-$av3-'"
trigger_file=$(ls "$(world_spool a)"/uun-"$av3"-* 2>/dev/null | head -1)
check "its trigger names sys #$hidden_at, which the store no longer shows" grep -q "^heads=.*sys:$hidden_at" "$trigger_file"
"$UUN_UPDATER_BIN" --once -f -c "$(world_updater_config a)" >"$WORLD/once-heads.log" 2>&1
check_eq "uun-updater --once exits 3 (a trust alarm)" "$?" "3"
check "it installs av (seq $av3)" world_installed_seq a "$av3"
check "it says the UUN named sys #$hidden_at and the server did not serve that far" grep -q \
  "said channel sys reached #$hidden_at (this appliance is at #$((hidden_at - 1))); the server has not served that far" "$WORLD/once-heads.log"
check "the trigger is kept" test -e "$trigger_file"
check_contains "gw-a reported it to the vendor" "$(sqlite3 "$db" "SELECT detail FROM reports WHERE seq = $av3 AND status = 'failed'")" \
  "a verified UUN said channel sys reached #$hidden_at"
sqlite3 "$db" "INSERT INTO entries SELECT * FROM stash; DROP TABLE stash"
world_updater_start a || exit 1
check "once served, sys #$hidden_at (seq $hidden) is installed" world_wait_installed a "$hidden" 30
check "and the trigger is done" wait_for 10 test ! -e "$trigger_file"

# ---- 7. a frozen server: its statements are stale on arrival ----------------
# The server host's clock is the attacker's: two hours behind, it signs
# statements that expired an hour ago (trust.timestamp_lifetime 1h here).
world_server_stop
# libfaketime through env, which execs: the pid the world tracks (and stops)
# is uun-server's own; the faketime program would fork and leave it behind.
WORLD_SERVER_WRAP="env LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1 FAKETIME=-2h \
FAKETIME_DONT_FAKE_MONOTONIC=1" world_server_start || exit 1
printf 'sys 3\n' >"$WORLD/sys-3.tar"
out=$(world_publish --channel sys --urgent "$WORLD/sys-3.tar" 2>&1)
sys3=$(sed -n 's/^published seq \([0-9]*\) .*/\1/p' <<<"$out")
check "the signed entry (seq $sys3) is still installed" world_wait_installed a "$sys3" 30
check "gw-a reports the stale statement as a possible freeze, and for how long" \
  wait_for 10 grep -Eq "no fresh timestamp statement since .* \(stale for [0-9]+ s\): the server may be frozen" \
  "$(world_updater_log a)"

world_destroy
trap - EXIT
check_eq "nothing the world started is left running" "$(world_leftovers)" ""
summary
