#!/usr/bin/env bash
# uun-milter with trusted_root (v2 trust model), driven by miltertest: a UUN
# signed by the root's notify key is discarded with a trigger, one signed by
# its publisher key gets 550; when the root file is replaced by v2 (notify key
# rotated) the old key's UUN gets 550 and the new one's is accepted without a
# restart; a rollback to v1 and a broken file keep v2's keys (logged once).
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/lib/milter_env.sh"

testtool=$UUN_BUILD/server/publish/testing/uun-publish-testtool
for role in root publisher timestamp notify notify2; do
  openssl genpkey -algorithm ed25519 -out "$work/keys/$role.pem" 2>/dev/null
done
chmod 644 "$work/keys/"*.pem  # the milter runs as $milter_user; make_uun_header reads these as us

# root_v N NOTIFY-KEY [more testtool args]: writes $work/var/root.json (atomic rename).
mkdir -p "$work/var" && chmod 755 "$work/var"
root_v() {
  local version=$1 notify=$2
  shift 2
  "$testtool" milter-root --version "$version" --root "$work/keys/root.pem" --publisher "$work/keys/publisher.pem" \
    --timestamp "$work/keys/timestamp.pem" --notify "$work/keys/$notify.pem" --out "$work/var/root.json" "$@"
}
signed_by() {
  local key=$1
  shift
  "$make_header_bin" --key "$work/keys/$key.pem" "$@"
}
# The milter checks the root file at most once a second: wait past that.
next_check() { sleep 1.2; }

sock=$work/sock/milter.sock
write_config "$work/milter.yaml" "unix:$sock"
sed -i "s|^trusted_keys: .*|trusted_root: [$work/var/root.json, $work/etc-root.json]|" "$work/milter.yaml"

"$milter_bin" -f -c "$work/milter.yaml" >"$work/none.out" 2>&1
check_eq "no root file at all: the milter does not start (exit 2)" "$?" "2"
check_contains "... and says which files it looked for" "$(cat "$work/none.out")" \
  "trusted_root: none of the root files exists ($work/var/root.json, $work/etc-root.json)"

root_v 1 notify --out "$work/etc-root.json" || not_ok "the test tool makes a root"
printf '{"payloadType": "nope"}\n' >"$work/var/root.json"
"$milter_bin" -f -c "$work/milter.yaml" >"$work/bad.out" 2>&1
check_eq "a root file that does not verify stops the start (exit 2)" "$?" "2"
check_contains "... naming the file" "$(cat "$work/bad.out")" "trusted_root: $work/var/root.json: "

rm "$work/var/root.json"
check_contains "-t names the root and its notify key" "$("$milter_bin" -t -c "$work/milter.yaml")" \
  "OK (root v1 ($work/etc-root.json), notify keys "
check_eq "--print-config shows trusted_root" "$("$milter_bin" -c "$work/milter.yaml" --print-config trusted_root)" \
  "[$work/var/root.json, $work/etc-root.json]"

root_v 1 notify
start_milter "$work/milter.yaml" "$work/milter.log" || { not_ok "uun-milter starts with root v1"; summary; exit 1; }
ok "uun-milter starts with root v1"
check "the start names root v1 and the file" log_has "root v1 ($work/var/root.json), notify keys "

h=$(signed_by notify --seq 1 --channel av)
check "a UUN signed by the root's notify key is discarded" mt "unix:$sock" message.lua -D qid=NOTIFY1 -D h1n=X-UUN -D "h1v=$h" -D want=DISCARD
check_eq "... with its trigger" "$(spool_files)" "uun-1-$(nonce_of "$h")"

h=$(signed_by notify --seq 5 --channel av --heads av:2,sys:7)
check "a UUN with channel heads (h=) is discarded" mt "unix:$sock" message.lua -D qid=HEADS1 -D h1n=X-UUN -D "h1v=$h" -D want=DISCARD
check "... and its trigger hands the heads to the updater" grep -qx "heads=av:2,sys:7" "$work/spool/uun-5-$(nonce_of "$h")"
bad=$(sed 's/sys:7/sys:9/' <<<"$h")
check "a UUN whose heads were changed is refused" mt "unix:$sock" message.lua -D qid=HEADS2 -D h1n=X-UUN -D "h1v=$bad" -D want=REPLYCODE
rm -f "$work/spool/uun-5-"*

h=$(signed_by publisher --seq 2 --channel av)
check "a UUN signed by the root's publisher key gets a reply code" mt "unix:$sock" message.lua -D qid=PUBLISHER -D h1n=X-UUN -D "h1v=$h" -D want=REPLYCODE
check "... 550 5.7.1, the key is not trusted for UUNs" log_has "PUBLISHER: UUN in X-UUN header rejected with 550 5.7.1: key "

root_v 2 notify2
next_check
rm -f "$work/spool/"*
h=$(signed_by notify --seq 3 --channel av)
check "after root v2 rotated the notify key, the old key's UUN gets a reply code" mt "unix:$sock" message.lua -D qid=OLDKEY -D h1n=X-UUN -D "h1v=$h" -D want=REPLYCODE
check "... 550 5.7.1, without a restart" log_has "OLDKEY: UUN in X-UUN header rejected with 550 5.7.1: key "
check "the switch to v2 is logged" log_has "trusted_root: now root v2 from $work/var/root.json"
h=$(signed_by notify2 --seq 4 --channel av)
check "the new notify key's UUN is discarded" mt "unix:$sock" message.lua -D qid=NEWKEY -D h1n=X-UUN -D "h1v=$h" -D want=DISCARD
check_eq "... with its trigger" "$(spool_files)" "uun-4-$(nonce_of "$h")"

root_v 1 notify
next_check
h=$(signed_by notify --seq 5 --channel av)
check "a rollback of the file to v1 does not bring the old key back" mt "unix:$sock" message.lua -D qid=ROLLBACK -D h1n=X-UUN -D "h1v=$h" -D want=REPLYCODE
check "... and is logged" log_has "holds root v1, older than v2 in use: refused"

printf 'not json\n' >"$work/var/root.json.new" && mv "$work/var/root.json.new" "$work/var/root.json"
next_check
h=$(signed_by notify2 --seq 6 --channel av)
check "a broken root file keeps v2's notify key" mt "unix:$sock" message.lua -D qid=BROKEN1 -D h1n=X-UUN -D "h1v=$h" -D want=DISCARD
next_check
h=$(signed_by notify2 --seq 7 --channel av)
check "... also at the next check" mt "unix:$sock" message.lua -D qid=BROKEN2 -D h1n=X-UUN -D "h1v=$h" -D want=DISCARD
check_eq "the broken file is logged once" "$(grep -c "trusted_root: $work/var/root.json: .*keeping the notify keys of root v2" "$work/milter.log")" "1"

stop_milter
check_eq "SIGTERM stops the milter cleanly" "$milter_rc" "0"
check "no sanitizer report" bash -c "! grep -E 'Sanitizer|runtime error' '$work/milter.log'"
summary
