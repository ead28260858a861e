#!/usr/bin/env bash
# uun-publish and uun-keygen without an MTA (a stand-in sendmail keeps the
# mails): the v2 trust model's publisher side. The seq comes from the
# publisher's counters whatever the store's next_seq says; a store that went
# beyond them is refused; an entry left pending by a run that died before
# the store had it is appended by the next; with publish.root, channel_seq
# 1, 2, 3 per channel, UUNs signed by the notify key, keys outside their
# roles refused; the root key ceremony with uun-keygen (2 of 3, a rotation);
# a uun-publish killed during the hand-off leaves "handing off" records that
# --status names and --renotify resumes.
set -u
: "${UUN_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${UUN_BUILD:=$UUN_SRC/build}"
. "$UUN_SRC/test/lib/testlib.sh"

PUBLISH=$UUN_BUILD/server/publish/uun-publish
KEYGEN=$UUN_BUILD/server/keygen/uun-keygen
TOOL=$UUN_BUILD/server/publish/testing/uun-publish-testtool

work=$(mktemp -d /tmp/uun-publish-local.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/payloads" "$work/outbox"
db=$work/store.db
counters=$work/publisher-counters.json
printf 'signature database\n' >"$work/sig.bin"

cat >"$work/sendmail" <<SH
#!/bin/sh
cat >"\$(mktemp $work/outbox/mail.XXXXXX)"
SH
chmod 755 "$work/sendmail"

for k in publisher notify other r1 r2 r3 r4 r5 r6 timestamp; do
  "$KEYGEN" "$work/$k" >"$work/$k.id" 2>/dev/null || { echo "uun-keygen $k failed"; exit 1; }
done
id_of() { cat "$work/$1.id"; }

write_config() {  # write_config FILE [extra publish lines...]
  local file=$1 line
  shift
  {
    echo "store:"
    echo "  sqlite: $db"
    echo "  payload_dir: $work/payloads"
    echo "publish:"
    echo "  key: $work/publisher.key"
    echo "  channels: [av, sys]"
    echo "  from: \"uun@vendor.test\""
    echo "  sender_domain: uun.vendor.test"
    for line in "$@"; do echo "  $line"; done
    echo "mta:"
    echo "  submit: sendmail"
    echo "  sendmail: [$work/sendmail]"
    echo "  relay_map: $work/relay"
    echo "  postmap: [/bin/true]"
    echo "log:"
    echo "  syslog: false"
  } >"$file"
}
cfg=$work/server.yaml
write_config "$cfg"
publish() {  # publish CONFIG CHANNEL [more options]: stdout+stderr in $out, exit code in $rc
  local config=$1 channel=$2
  shift 2
  out=$("$PUBLISH" -c "$config" --channel "$channel" "$@" "$work/sig.bin" 2>&1)
  rc=$?
}
counter() { python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$counters" "$1"; }
channel_seq_of() {  # channel_seq_of SEQ: from the signed payload in the store
  sqlite3 "$db" "SELECT envelope FROM entries WHERE seq = $1" |
    python3 -c 'import json,sys,base64; e=json.load(sys.stdin); print(json.loads(base64.b64decode(e["payload"])).get("channel_seq", 0))'
}

# ---- the default counters file and --print-config -----------------------------
check_eq "--print-config names the default counters file" "$("$PUBLISH" -c "$cfg" --print-config publish.counters)" "$counters"
check_eq "publish.notify_key defaults to publish.key" "$("$PUBLISH" -c "$cfg" --print-config publish.notify_key)" "$work/publisher.key"

# ---- seq tampering --------------------------------------------------------------
publish "$cfg" av
check_eq "first publish exits 0" "$rc" "0"
check_contains "it is seq 1" "$out" "published seq 1 (av-1)"
check_eq "the counters say seq 1" "$(counter 'c["seq"]')" "1"
sqlite3 "$db" "UPDATE meta SET value = 1000000000 WHERE key = 'next_seq'"
publish "$cfg" av
check_eq "publish after next_seq = 1e9 exits 0" "$rc" "0"
check_contains "the entry is seq counters + 1, not 1e9" "$out" "published seq 2 (av-2)"
check_eq "the store's head is 2" "$(sqlite3 "$db" 'SELECT MAX(seq) FROM entries')" "2"
sqlite3 "$db" "UPDATE meta SET value = 1 WHERE key = 'next_seq'"
publish "$cfg" sys
check_contains "after next_seq = 1: seq 3" "$out" "published seq 3 (sys-3)"

sqlite3 "$db" "INSERT INTO entries (seq, id, channel, name, sha256, size, urgent, published, target, envelope)
               VALUES (7, 'av-7', 'av', 'x.bin', '$(printf '%064d' 0)', 1, 0, 0, '', '{}')"
publish "$cfg" av
check_eq "a foreign entry beyond the counters: exit 5" "$rc" "5"
check_contains "it says why" "$out" "the store's log goes to seq 7 but this publisher last signed seq 3: another publisher wrote to it or the store was changed; see doc/trust.md"
check_eq "nothing appended" "$(sqlite3 "$db" 'SELECT COUNT(*) FROM entries')" "4"
sqlite3 "$db" "DELETE FROM entries WHERE seq = 7"

# ---- a run killed between the counters and the store ------------------------------
publish "$cfg" av
check_contains "seq 4 published" "$out" "published seq 4 (av-4)"
pending_envelope=$(sqlite3 "$db" "SELECT envelope FROM entries WHERE seq = 4")
sqlite3 "$db" "DELETE FROM entries WHERE seq = 4"
python3 - "$counters" "$pending_envelope" <<'PY'
import json, sys
path, envelope = sys.argv[1], sys.argv[2]
c = json.load(open(path))
c["pending"] = {"seq": 4, "channel": "av", "channel_seq": 0, "envelope": envelope}
json.dump(c, open(path, "w"))
PY
publish "$cfg" sys
check_eq "the next run exits 0" "$rc" "0"
check_contains "it re-appends the pending entry" "$out" "appended seq 4 (av-4), signed by an earlier run"
check_contains "and publishes its own as seq 5" "$out" "published seq 5 (sys-5)"
check_eq "the store has the very envelope signed before" "$(sqlite3 "$db" "SELECT envelope FROM entries WHERE seq = 4")" "$pending_envelope"
check_eq "pending cleared" "$(counter '"pending" in c')" "False"

# ---- publish.root: roles, channel_seq, the notify key -------------------------------
pubs() { local out="" k; for k in "$@"; do out+="${out:+,}$work/$k.pub"; done; echo "$out"; }
root_new() {  # root_new OUT VERSION ROOTKEYS PUBLISHER NOTIFY
  "$KEYGEN" --root-new "$work/$1" --root-version "$2" --expires 30d --root-key "$3" --root-threshold 2 \
    --publisher-key "$(pubs "$4")" --timestamp-key "$(pubs timestamp)" --notify-key "$(pubs "$5")" >"$work/root-new.out" 2>&1
}
root_new root1.json 1 "$(pubs r1 r2 r3)" publisher notify
check_eq "--root-new exits 0" "$?" "0"
check_contains "--root-new shows the publisher role" "$(cat "$work/root-new.out")" "publisher 1 of 1: $(id_of publisher)"
show=$("$KEYGEN" --root-show "$work/root1.json" 2>&1)
check_eq "an unsigned root does not verify: exit 1" "$?" "1"
"$KEYGEN" --root-sign "$work/root1.json" --key "$work/r1.key" >"$work/sign.out" 2>&1
check_contains "--root-sign shows what it signs" "$(cat "$work/sign.out")" "root v1, expires "
show=$("$KEYGEN" --root-show "$work/root1.json" 2>&1)
check_eq "1 of 2 signatures: still exit 1" "$?" "1"
check_contains "it says the threshold is not met" "$show" "its own (v1) root keys: 1 of 3 signed, threshold 2: NOT met"
"$KEYGEN" --root-sign "$work/root1.json" --key "$work/r3.key" >/dev/null 2>&1
show=$("$KEYGEN" --root-show "$work/root1.json" 2>&1)
check_eq "2 of 3: it verifies, exit 0" "$?" "0"
check_contains "it says so" "$show" "verifies as a first root"

root_new root2.json 2 "$(pubs r4 r5 r6)" publisher notify
for k in r4 r5 r1; do "$KEYGEN" --root-sign "$work/root2.json" --key "$work/$k.key" >/dev/null 2>&1; done
show=$("$KEYGEN" --root-show "$work/root2.json" --previous "$work/root1.json" 2>&1)
check_eq "v2 signed by 1 old key: exit 1" "$?" "1"
check_contains "the old threshold is not met" "$show" "the previous (v1) root keys: 1 of 3 signed, threshold 2: NOT met"
"$KEYGEN" --root-sign "$work/root2.json" --key "$work/r2.key" >/dev/null 2>&1
show=$("$KEYGEN" --root-show "$work/root2.json" --previous "$work/root1.json" 2>&1)
check_eq "v2 signed by 2 old and 2 new keys: exit 0" "$?" "0"
check_contains "it verifies as v1's successor" "$show" "verifies as the successor of v1"

write_config "$work/v2.yaml" "notify_key: $work/notify.key" "root: $work/root1.json"
rm -f "$counters"
sqlite3 "$db" "DELETE FROM entries"
"$TOOL" register --config "$work/v2.yaml" --id gw-1 --address 127.0.2.11 --recipient uun@gw-1.test --channels av,sys
want="1 2 1 3"
got=""
for ch in av av sys av; do
  publish "$work/v2.yaml" "$ch"
  [ "$rc" = 0 ] || echo "# publish $ch: $out"
  seq=$(sqlite3 "$db" 'SELECT MAX(seq) FROM entries')
  got+="${got:+ }$(channel_seq_of "$seq")"
done
check_eq "channel_seq per channel: av 1 2, sys 1, av 3" "$got" "$want"
check_contains "the output names the channel_seq" "$out" "channel av channel_seq 3,"
publish "$work/v2.yaml" av --urgent
check_eq "an urgent v2 publish exits 0" "$rc" "0"
mail=$(cat "$work"/outbox/mail.* 2>/dev/null)
check_contains "the UUN header's k= is the notify key" "$mail" "k=$(id_of notify);"
check "the publisher key does not sign UUNs" sh -c "! grep -q 'k=$(id_of publisher)' $work/outbox/mail.*"

write_config "$work/wrong.yaml" "notify_key: $work/notify.key" "root: $work/root-wrong.json"
root_new root-wrong.json 1 "$(pubs r1 r2 r3)" other notify
for k in r1 r2; do "$KEYGEN" --root-sign "$work/root-wrong.json" --key "$work/$k.key" >/dev/null 2>&1; done
before=$(sqlite3 "$db" 'SELECT COUNT(*) FROM entries')
publish "$work/wrong.yaml" av
check_eq "publisher key not in the publisher role: exit 3" "$rc" "3"
check_contains "the message names key, role and version" "$out" "publish.key (key id $(id_of publisher)) is not in the publisher role of root v1"
check_eq "nothing appended" "$(sqlite3 "$db" 'SELECT COUNT(*) FROM entries')" "$before"

# ---- uun-publish killed during the hand-off: recorded before, resumed after ----------
# The stand-in MTA takes the first UUN and kills uun-publish (SIGKILL, no
# clean-up): before, the store then held nothing for the mail that was queued.
cat >"$work/sendmail-kill" <<SH
#!/bin/sh
cat >"\$(mktemp $work/outbox/killed.XXXXXX)"
kill -KILL \$PPID
SH
chmod 755 "$work/sendmail-kill"
sed "s|sendmail: \[$work/sendmail\]|sendmail: [$work/sendmail-kill]\n  parallel: 1|" "$work/v2.yaml" >"$work/kill.yaml"
"$TOOL" register --config "$work/v2.yaml" --id gw-2 --address 127.0.2.12 --recipient uun@gw-2.test --channels av
publish "$work/kill.yaml" av --urgent
check_eq "uun-publish killed by the MTA during the hand-off" "$rc" "137"
seq=$(sqlite3 "$db" 'SELECT MAX(seq) FROM entries')
check_eq "  the entry is in the store" "$(sqlite3 "$db" "SELECT COUNT(*) FROM entries WHERE seq = $seq")" "1"
check_eq "  both UUNs were recorded before the MTA saw them" \
  "$(sqlite3 "$db" "SELECT group_concat(appliance_id || '=' || result, ' ') FROM notifications WHERE seq = $seq ORDER BY appliance_id")" \
  "gw-1=handing off gw-2=handing off"
check_eq "  one mail reached the MTA" "$(ls "$work"/outbox/killed.* | wc -l)" "1"
status=$("$PUBLISH" -c "$work/v2.yaml" --status "$seq" 2>&1)
check_contains "--status says so and how to resume" "$status" \
  "2 UUN(s) still 'handing off': a uun-publish stopped while handing them to the MTA (they may be queued); uun-publish --renotify $seq sends them again"
out=$("$PUBLISH" -c "$work/v2.yaml" --renotify "$seq" 2>&1)
check_contains "--renotify resumes: both handed off" "$out" "notified seq $seq: 2 of 2 UUNs queued, 0 failed"
check_eq "  and recorded as queued" \
  "$(sqlite3 "$db" "SELECT group_concat(result, ' ') FROM notifications WHERE seq = $seq")" "queued queued"

summary
