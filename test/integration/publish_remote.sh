#!/usr/bin/env bash
# The publish path between two hosts (doc/protocol.md, "The publish path"):
# an admin host with the publisher key and its own counters, no store and no
# MTA, reaches the server host through a private OpenSSH sshd on 127.0.11.1
# whose one authorized key forces `uun-publish --serve`. The server host has
# the store, the notify key and a stand-in sendmail. Attacks: an unknown ssh
# key, a stolen ssh key with a key outside the publisher role, an envelope
# replayed, a payload that is not what it claims, shell words, -c forwarded.
set -u
: "${UUN_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${UUN_BUILD:=$UUN_SRC/build}"
. "$UUN_SRC/test/lib/testlib.sh"

PUBLISH=$UUN_BUILD/server/publish/uun-publish
KEYGEN=$UUN_BUILD/server/keygen/uun-keygen
TOOL=$UUN_BUILD/server/publish/testing/uun-publish-testtool
SSHD_ADDRESS=127.0.11.1
SSHD_PORT=2222

work=$(mktemp -d /tmp/uun-publish-remote.XXXXXX)
chmod 755 "$work"
sshd_pid=""
cleanup() {
  [ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null && wait "$sshd_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
srv=$work/server-host
adm=$work/admin-host
mkdir -p "$srv/payloads" "$srv/outbox" "$adm"
printf 'signature database 1\n' >"$adm/sig-1.bin"
printf 'signature database 2 (urgent)\n' >"$adm/sig-2.bin"

cat >"$srv/sendmail" <<SH
#!/bin/sh
cat >"\$(mktemp $srv/outbox/mail.XXXXXX)"
SH
chmod 755 "$srv/sendmail"

# ---- keys and the root (2 of 3 root keys; publisher on the admin host only) ----------
for k in publisher notify intruder r1 r2 r3 timestamp; do
  "$KEYGEN" "$work/$k" >"$work/$k.id" 2>/dev/null || { echo "uun-keygen $k failed"; exit 1; }
done
id_of() { cat "$work/$1.id"; }
pubs() { local out="" k; for k in "$@"; do out+="${out:+,}$work/$k.pub"; done; echo "$out"; }
root_new() {  # root_new OUT PUBLISHER
  "$KEYGEN" --root-new "$1" --root-version 1 --expires 30d --root-key "$(pubs r1 r2 r3)" --root-threshold 2 \
    --publisher-key "$(pubs "$2")" --timestamp-key "$(pubs timestamp)" --notify-key "$(pubs notify)" >/dev/null 2>&1 &&
    "$KEYGEN" --root-sign "$1" --key "$work/r1.key" >/dev/null 2>&1 &&
    "$KEYGEN" --root-sign "$1" --key "$work/r2.key" >/dev/null 2>&1
}
root_new "$work/root.json" publisher || { echo "the root ceremony failed"; exit 1; }
# The intruder's own view: a root (signed with the same root keys, as if those
# had leaked too... they have not: appliances and the server host use root.json).
root_new "$work/intruder-root.json" intruder || { echo "the intruder's root failed"; exit 1; }
cp "$work/root.json" "$srv/root.json"
cp "$work/root.json" "$adm/root.json"
mv "$work/publisher.key" "$adm/publisher.key"
mv "$work/notify.key" "$srv/notify.key"

cat >"$srv/server.yaml" <<EOF
store:
  sqlite: $srv/store.db
  payload_dir: $srv/payloads
publish:
  notify_key: $srv/notify.key
  root: $srv/root.json
  channels: [av, sys]
  from: "uun@vendor.test"
  sender_domain: uun.vendor.test
mta:
  submit: sendmail
  sendmail: [$srv/sendmail]
  relay_map: $srv/relay
  postmap: [/bin/true]
log:
  syslog: false
EOF

# ---- the private sshd -----------------------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -f "$work/ssh_host_key"
ssh-keygen -q -t ed25519 -N '' -f "$adm/ssh_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/stranger_ssh_key"
echo "restrict,command=\"$PUBLISH -c $srv/server.yaml --serve\" $(cat "$adm/ssh_key.pub")" >"$work/authorized_keys"
chmod 600 "$work/authorized_keys"
echo "[$SSHD_ADDRESS]:$SSHD_PORT $(cut -d' ' -f1,2 "$work/ssh_host_key.pub")" >"$adm/known_hosts"
cat >"$work/sshd_config" <<EOF
ListenAddress $SSHD_ADDRESS:$SSHD_PORT
HostKey $work/ssh_host_key
PidFile $work/sshd.pid
AuthorizedKeysFile $work/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding no
X11Forwarding no
EOF
mkdir -p /run/sshd && chmod 755 /run/sshd
/usr/sbin/sshd -D -e -f "$work/sshd_config" 2>"$work/sshd.log" &
sshd_pid=$!
wait_for 10 sh -c "ss -ltn | grep -q '$SSHD_ADDRESS:$SSHD_PORT '" || { echo "sshd did not listen:"; cat "$work/sshd.log"; exit 1; }

ssh_prefix() {  # ssh_prefix KEY: publish.remote as YAML
  echo "[/usr/bin/ssh, -F, /dev/null, -i, $1, -o, BatchMode=yes, -o, IdentitiesOnly=yes, -o, UserKnownHostsFile=$adm/known_hosts, -o, StrictHostKeyChecking=yes, -p, '$SSHD_PORT', root@$SSHD_ADDRESS]"
}
admin_config() {  # admin_config FILE SSH_KEY PUBLISHER_KEY ROOT
  cat >"$1" <<EOF
publish:
  key: $3
  root: $4
  counters: $adm/counters.json
  channels: [av, sys]
  remote: $(ssh_prefix "$2")
log:
  syslog: false
EOF
}
admin_config "$adm/server.yaml" "$adm/ssh_key" "$adm/publisher.key" "$adm/root.json"
# run_admin CONFIG ARGS...: stdout+stderr in $out, exit code in $rc
run_admin() { local c=$1; shift; out=$("$PUBLISH" -c "$c" "$@" 2>&1); rc=$?; }
# serve WORDS... [<stdin]: the raw request, as the authorized ssh key sends it
serve() { /usr/bin/ssh -F /dev/null -i "$adm/ssh_key" -o BatchMode=yes -o IdentitiesOnly=yes \
  -o UserKnownHostsFile="$adm/known_hosts" -o StrictHostKeyChecking=yes -p "$SSHD_PORT" "root@$SSHD_ADDRESS" "$@"; }
entries() { sqlite3 "$srv/store.db" 'SELECT COUNT(*) FROM entries' 2>/dev/null || echo 0; }
sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# ---- configuration ----------------------------------------------------------------------
check_eq "the admin host's config needs no store and no mta section" \
  "$("$PUBLISH" -c "$adm/server.yaml" --print-config publish.counters 2>&1)" "$adm/counters.json"
sed '/counters:/d' "$adm/server.yaml" >"$adm/no-counters.yaml"
run_admin "$adm/no-counters.yaml" --list
check_eq "publish.remote without publish.counters: exit 2" "$rc" "2"
check_contains "it says where the counters must go" "$out" "must be set with publish.remote"

# ---- a routine publish from the admin host -----------------------------------------------
run_admin "$adm/server.yaml" --channel av "$adm/sig-1.bin"
check_eq "a publish through publish.remote exits 0" "$rc" "0"
check_contains "it says seq 1, channel_seq 1, through publish.remote" "$out" \
  "published seq 1 (av-1) channel av channel_seq 1, sig-1.bin, 21 bytes, sha256 $(sha_of "$adm/sig-1.bin") (through publish.remote)"
check_eq "the server host's store has the entry" "$(entries)" "1"
check "the server host has the payload under its sha256" cmp "$adm/sig-1.bin" "$srv/payloads/$(sha_of "$adm/sig-1.bin")"
check_eq "the admin host's counters say seq 1" \
  "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["seq"])' "$adm/counters.json")" "1"
check "the admin host has no store file" test ! -e "$adm/store.db"
run_admin "$adm/server.yaml" --list
check_eq "--list is forwarded: exit 0" "$rc" "0"
check_contains "it lists seq 1 from the server host's store" "$out" "av-1"

# ---- admission over publish.remote: --pending and --accept with a key that has a '/' ----------
for i in $(seq 1 40); do
  openssl genpkey -algorithm ed25519 -out "$work/gw-9.pem" 2>/dev/null
  key_b64=$(openssl pkey -in "$work/gw-9.pem" -pubout -outform DER | tail -c 32 | base64 -w0)
  fpr="SHA256:$(printf '%s' "$key_b64" | base64 -d | openssl dgst -sha256 -binary | base64 -w0 | tr -d =)"
  case $fpr in */*) break ;; esac
done
sqlite3 "$srv/store.db" "INSERT INTO admission_requests VALUES ('gw-9', '$key_b64', 'pending', 'h', '127.0.11.29',
  'uun@gw-9.test', 25, 'mg-5000', '3.2.1', ' av ', 0, strftime('%s','now'), strftime('%s','now'), 'periodic')"
run_admin "$adm/server.yaml" --pending
check_eq "--pending is forwarded: exit 0" "$rc" "0"
check_contains "it lists gw-9's key from the server host's store" "$out" "gw-9  $fpr  pending"
run_admin "$adm/server.yaml" --accept gw-9 --key "$fpr"
check_eq "--accept gw-9 --key $fpr is forwarded: exit 0" "$rc" "0"
check_contains "the server host accepted it" "$out" "appliance gw-9 accepted with key $fpr"
check_eq "the server host's row is bound to the key" \
  "$(sqlite3 "$srv/store.db" "SELECT key FROM appliances WHERE id = 'gw-9'")" "$key_b64"
run_admin "$adm/server.yaml" --forget gw-9
check_eq "--forget gw-9 is forwarded: exit 0" "$rc" "0"

# ---- an urgent publish: the server host signs and sends the UUNs ---------------------------
"$TOOL" register --config "$srv/server.yaml" --id gw-1 --address 127.0.11.21 --recipient uun@gw-1.test --channels av,sys
run_admin "$adm/server.yaml" --channel av --urgent "$adm/sig-2.bin"
echo "$out" | sed "s/^/#   /"
check_eq "an urgent publish through publish.remote exits 0" "$rc" "0"
check_contains "it is seq 2" "$out" "published seq 2 (av-2) channel av channel_seq 2"
check_contains "the server host notified gw-1" "$out" "notified seq 2: 1 of 1 UUNs queued"
mail=$(cat "$srv"/outbox/mail.* 2>/dev/null)
check_contains "the UUN went to gw-1's recipient" "$mail" "uun@gw-1.test"
check_contains "the UUN is signed by the server host's notify key" "$mail" "k=$(id_of notify);"
run_admin "$adm/server.yaml" --status 2
check_contains "--status is forwarded and shows gw-1's notification" "$out" "gw-1"
run_admin "$adm/server.yaml" --status --json
check_eq "--status --json (the newest entry) is forwarded: exit 0" "$rc" "0"
check_eq "  the server host's JSON says seq 2, gw-1 queued" \
  "$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["entry"]["seq"], d["appliances"][0]["id"], d["appliances"][0]["result"])')" \
  "2 gw-1 queued"

# ---- the link drops at the append: the entry stays pending, the next run sends it -----------
cat >"$adm/flaky-ssh" <<SH
#!/bin/sh
# Drops the connection (ssh's exit 255) of the first append while the marker is there.
case " \$* " in *" append "*) [ -e "$adm/drop-append" ] && rm -f "$adm/drop-append" && exit 255 ;; esac
exec /usr/bin/ssh "\$@"
SH
chmod 755 "$adm/flaky-ssh"
sed "s|remote: \[/usr/bin/ssh,|remote: [$adm/flaky-ssh,|" "$adm/server.yaml" >"$adm/flaky.yaml"
printf 'signature database 3\n' >"$adm/sig-3.bin"
printf 'signature database 4\n' >"$adm/sig-4.bin"
touch "$adm/drop-append"
before=$(entries)
run_admin "$adm/flaky.yaml" --channel sys "$adm/sig-3.bin"
check_eq "the link drops at the append: exit 5" "$rc" "5"
check_contains "it says the entry stays pending" "$out" "it stays pending in $adm/counters.json"
check_eq "nothing appended" "$(entries)" "$before"
run_admin "$adm/server.yaml" --channel sys "$adm/sig-4.bin"
check_eq "the next run exits 0" "$rc" "0"
check_contains "it sends the pending entry first" "$out" "appended seq 3 (sys-3), signed by an earlier run"
check_contains "then its own as seq 4, channel_seq 2 on sys" "$out" "published seq 4 (sys-4) channel sys channel_seq 2"
check_eq "the server host has both" "$(entries)" "$((before + 2))"

# ---- attacks -------------------------------------------------------------------------------
before=$(entries)
admin_config "$adm/stranger.yaml" "$work/stranger_ssh_key" "$adm/publisher.key" "$adm/root.json"
cp "$adm/counters.json" "$adm/counters.saved"
run_admin "$adm/stranger.yaml" --channel av "$adm/sig-1.bin"
echo "$out" | sed "s/^/#   /"
check_eq "an ssh key sshd does not know: exit 5" "$rc" "5"
check_contains "it says the server host cannot be reached" "$out" "cannot reach the server host through publish.remote"
check_eq "nothing appended" "$(entries)" "$before"

# A stolen ssh key, but the intruder's own signing key: the admin side's
# checks pass against the intruder's root; the server host's root refuses.
cp "$adm/counters.saved" "$adm/counters.json"
admin_config "$adm/intruder.yaml" "$adm/ssh_key" "$work/intruder.key" "$work/intruder-root.json"
run_admin "$adm/intruder.yaml" --channel av "$adm/sig-1.bin"
echo "$out" | sed "s/^/#   /"
check_eq "an entry signed by a key outside the publisher role: exit 3" "$rc" "3"
check_contains "the server host says why" "$out" "append refused"
check_contains "it names the role and root version" "$out" "publisher role of root v1"
check_eq "nothing appended" "$(entries)" "$before"

envelope=$(sqlite3 "$srv/store.db" 'SELECT envelope FROM entries WHERE seq = 1')
replayed=$(serve uun-publish --serve append <<<"$envelope" 2>&1)
check_eq "a replayed envelope (seq 1 again): exit 5" "$?" "5"
check_contains "the store refuses the taken seq" "$replayed" "not appended"
check_eq "nothing appended" "$(entries)" "$before"

printf 'something else\n' >"$work/other.bin"
lie=$(serve uun-publish --serve payload "$(sha_of "$adm/sig-1.bin")" "$(stat -c %s "$work/other.bin")" <"$work/other.bin" 2>&1)
check_eq "a payload that is not what it claims: exit 3" "$?" "3"
check_contains "it says what arrived" "$lie" "is not what was announced"
check "it is not kept" test ! -e "$srv/payloads/$(sha_of "$work/other.bin")"

serve "uun-publish --serve heads; touch $work/pwned" >/dev/null 2>&1
check_eq "shell words in the request: exit 2" "$?" "2"
check "no shell ran them" test ! -e "$work/pwned"
forwarded=$(serve uun-publish --serve run --list -c other.yaml 2>&1)
check_eq "-c in a forwarded command: exit 2" "$?" "2"
check_contains "it says the config is the server host's" "$forwarded" "-c/--config is not forwarded"
publishing=$(serve uun-publish --serve run --channel av sig.bin 2>&1)
check_eq "a publish as a forwarded command: exit 2" "$?" "2"
check_contains "only the read commands and --renotify are forwarded" "$publishing" "only --renotify, --status, --list, --appliances and the admission commands"

echo "$UUN_SUITE: $UUN_PASSED passed, $UUN_FAILED failed"
[ "$UUN_FAILED" -eq 0 ]
