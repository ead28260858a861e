#!/usr/bin/env bash
# The whole flow on real Postfix (test/lib/world.sh, 127.0.5.0/24): a vendor
# (uun-server, vendor Postfix, uun-publish) and two appliances (Postfix with
# uun-milter on a unix socket for gw-a and on inet for gw-b, an smtp-sink as
# the inside mail server, uun-updater polling every 24h). The seven scenarios
# of issue 4, run in the order that keeps the waits short: registration and
# an urgent publish reaching both (1), the UUN never reaching the inside (2),
# normal mail passing unchanged (3), a forged UUN refused (4), an updater
# that was stopped when its UUN came (7), a non-urgent update at the next
# periodic poll (5), an expired registry row getting no UUN (6); then the
# Postfix wiring with the milter down (mail flows, UUNs still stay out).
set -u
: "${UUN_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${UUN_BUILD:=$UUN_SRC/build}"
: "${WORLD_NET:=127.0.5}"
. "$UUN_SRC/test/lib/world.sh"

trap world_destroy EXIT
world_create || exit 1
world_vendor_start || exit 1
world_appliance a 1 unix || exit 1
world_appliance b 2 inet || exit 1
vendor_log=$(world_vendor_mta)/maillog

# count_lines FILE PATTERN: lines matching an extended regex (0 when none).
count_lines() { grep -cE -- "$2" "$1" 2>/dev/null || true; }
spool_empty() { [ -z "$(spool_of "$1")" ]; }
sink_has() { [ "$(world_sink_count "$1")" -ge "$2" ]; }
# lacks TEXT NEEDLE: TEXT does not contain NEEDLE.
lacks() { case "$1" in *"$2"*) return 1 ;; esac; }
spool_of() { ls -A "$(world_spool "$1")" | tr '\n' ' ' | sed 's/ $//'; }
queues_empty() {
  postfix_wait_empty "$(world_vendor_mta)" 30 && postfix_wait_empty "$(world_mta a)" 30 &&
    postfix_wait_empty "$(world_mta b)" 30
}
# uun_mails_to NAME: UUNs the vendor's Postfix delivered to that appliance.
uun_mails_to() { count_lines "$vendor_log" "to=<$(world_recipient "$1")>, relay=$(world_ip "$1")\[$(world_ip "$1")\]:25,.* status=sent"; }
printf 'av signatures 2026-12-01\n' >"$WORLD/av-1.db"
printf 'rules 2026-12-01\n' >"$WORLD/sys-1.tar"
printf 'av signatures 2026-12-02 (routine)\n' >"$WORLD/av-2.db"
printf 'rules 2026-12-02\n' >"$WORLD/sys-2.tar"

# ---- 1. registration, then an urgent publish reaches both --------------------
world_updater_start a || exit 1
world_updater_start b || exit 1
check "gw-a registers by its first poll" world_wait_registered a 30
check "gw-b registers by its first poll" world_wait_registered b 30
apps=$(world_publish --appliances)
echo "$apps" | sed 's/^/#   /'
check "the registry has gw-a at 127.0.5.11 with its notify recipient" \
  grep -Eq "^gw-a +$WORLD_NET.11 +25 +uun-notify@a.example +mg-5000 +3.2.1 +av,sys +0 " <<<"$apps"
check "the registry has gw-b at 127.0.5.12 with its notify recipient" \
  grep -Eq "^gw-b +$WORLD_NET.12 +25 +uun-notify@b.example +mg-5000 +3.2.1 +av,sys +0 " <<<"$apps"
for n in a b; do
  check_eq "gw-$n polls every 24h (conf/updater.yaml, as uun-updater --print-config reads it)" \
    "$("$UUN_UPDATER_BIN" -c "$(world_updater_config $n)" --print-config poll_interval)" "1d"
done

t0=$(date +%s.%N)
out=$(world_publish --channel av --urgent "$WORLD/av-1.db" 2>&1)
check_eq "urgent publish of av-1 exits 0" "$?" "0"
check_contains "it is seq 1" "$out" "published seq 1 (av-1) channel av, av-1.db"
check_contains "both UUNs are handed to the vendor MTA" "$out" "notified seq 1: 2 of 2 UUNs queued, 0 failed"
check "gw-a installs seq 1" world_wait_installed a 1 60
check "gw-b installs seq 1" world_wait_installed b 1 60
echo "# publish -> installed: gw-a $(world_seconds_between "$t0" "$(world_install_time a 1)") s," \
  "gw-b $(world_seconds_between "$t0" "$(world_install_time b 1)") s"
for n in a b; do
  check "gw-$n: the installed file is the published one" cmp -s "$WORLD/av-1.db" "$(world_installed $n av)"
  check "gw-$n: the previous file is kept" grep -qx "factory av signatures" "$(world_installed $n av).uun-prev"
  check_contains "gw-$n: the hook ran for the av channel" "$(world_hook_line $n 1)" "channel=av file=$(world_installed $n av) arg=av"
  check "gw-$n: it was an urgent poll, woken by the trigger" \
    grep -q "poll (urgent, last_seq 0): 1 entries" "$(world_updater_log $n)"
  check_eq "gw-$n: no periodic poll since the first" "$(count_lines "$(world_updater_log $n)" 'poll \(periodic')" "1"
done
check "--status 1 shows both installed" grep -q "2 notified, 0 hand-offs failed, 2 fetched, 2 installed, 0 failed" \
  <<<"$(world_publish --status 1)"

# ---- 2. the UUN never reaches the inside mail server -------------------------
check "every queue drains" queues_empty
for n in a b; do
  log=$(world_milter_log $n)
  qid=$(sed -nE 's/.* ([0-9A-F]+): UUN seq 1 channel av nonce .* is valid; mail discarded, trigger uun-1-.* written$/\1/p' "$log")
  check "gw-$n: the vendor's Postfix delivered the UUN to $(world_ip $n):25" [ "$(uun_mails_to $n)" = 1 ]
  check "gw-$n: the milter swallowed it and logged its queue id" [ -n "$qid" ]
  check "gw-$n: Postfix discarded that queue id on the milter's word" \
    grep -q "${qid:-none}: milter-discard: .* from=<uun+gw-$n@uun.vendor.example> to=<uun-notify@$n.example>" \
    "$(world_mta $n)/maillog"
  check_eq "gw-$n: no delivery of it at all, not even to the discard backstop" \
    "$(count_lines "$(world_mta $n)/maillog" "${qid:-none}: to=")" "0"
  check_eq "gw-$n: the inside smtp-sink got nothing" "$(world_sink_count $n)" "0"
  check_eq "gw-$n: the trigger is gone once installed" "$(spool_of $n)" ""
done

# ---- 3. normal mail passes unchanged ------------------------------------------
msg=$WORLD/normal.eml
{
  printf 'From: Bob Sender <bob@sender.test>\r\n'
  printf 'To: Alice <alice@a.example>\r\n'
  printf 'Subject: quarterly figures =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n'
  printf 'Date: %s\r\n' "$(date -R)"
  printf 'Message-ID: <e2e-normal-1@sender.test>\r\n'
  printf 'MIME-Version: 1.0\r\n'
  printf 'Content-Type: text/plain; charset=utf-8\r\n'
  printf 'Content-Transfer-Encoding: 8bit\r\n'
  printf 'X-Folded: first part of a folded header\r\n\tand its second line\r\n'
  printf 'X-UUN-Like: not the header uun looks for\r\n'
  printf '\r\n'
  printf 'Hello Alice,\r\n'
  printf '.a line that starts with a dot\r\n'
  printf '..and one with two\r\n'
  printf 'trailing blanks   \r\n'
  printf '\tand a tab, Gr\xc3\xbc\xc3\x9fe \xe2\x82\xac\r\n'
  printf '\r\n'
  printf -- '-- \r\nBob\r\n'
} >"$msg"
out=$(swaks --server "$(world_ip a):25" --local-interface "$WORLD_CLIENT_IP" --helo client.sender.test \
  --from bob@sender.test --to alice@a.example --data "@$msg" 2>&1)
check_eq "swaks delivers a normal mail to gw-a" "$?" "0"
check "gw-a's Postfix relays it inside" wait_for 30 sink_has a 1
check_eq "exactly one mail reached the inside" "$(world_sink_count a)" "1"
got=$(find "$(world_sink_dir a)" -type f | head -1)
# smtp-sink's dump: its X-Client-*/X-Helo/X-Mail/X-Rcpt lines, its own
# Received, then the message as gw-a relayed it. Strip the dump lines and
# the leading Received fields.
strip_trace() {
  awk 'NR <= 5 && /^X-(Client-Addr|Client-Proto|Helo-Args|Mail-Args|Rcpt-Args): / { next }
       !body && /^Received: / { in_rcvd = 1; rcvd++; next }
       !body && in_rcvd && /^[ \t]/ { next }
       { in_rcvd = 0; if ($0 == "") body = 1; print }' "$1"
}
received_by() {
  awk '/^$/ { exit }
       /^[ \t]/ { if (r != "") r = r $0; next }
       { if (r != "") print r; r = ""; if (/^Received: /) r = $0 }
       END { if (r != "") print r }' "$1"
}
rcvd=$(received_by "$got")
check_eq "two trace fields were added: gw-a's Received and the sink's" "$(grep -c '^Received: ' <<<"$rcvd")" "2"
check "one Received is gw-a's Postfix's, from the client's address" \
  grep -Eq "^Received: from client.sender.test \(unknown \[$WORLD_CLIENT_IP\]\).*by postfix-$(world_ip a | tr . -).test \(Postfix\)" <<<"$rcvd"
# The mail as swaks puts it on the wire (it adds a CRLF before the final
# dot), in the sink's LF line ends, and the blank line its dump ends with.
{ tr -d '\r' <"$msg"; echo; echo; } >"$WORLD/normal.want"
strip_trace "$got" >"$WORLD/normal.got"
check "the rest is the sent mail, byte for byte (headers and body)" cmp "$WORLD/normal.want" "$WORLD/normal.got"
qid=$(sed -nE 's/.* ([0-9A-F]+): message-id=<e2e-normal-1@sender.test>$/\1/p' "$(world_mta a)/maillog")
check "gw-a logged the normal mail's queue id" [ -n "$qid" ]
check "gw-a relayed it to the inside server" \
  grep -Eq "${qid:-none}: to=<alice@a.example>, relay=$(world_inside_ip a)\[$(world_inside_ip a)\]:25, .*status=sent" \
  "$(world_mta a)/maillog"
check_eq "no milter action on it (accepted at end of headers)" "$(count_lines "$(world_mta a)/maillog" "${qid:-none}: milter-")" "0"
check_eq "the milter logged nothing about it" "$(count_lines "$(world_milter_log a)" "${qid:-none}")" "0"

# ---- 4. a forged UUN is refused and reaches nobody ---------------------------
now=$(date +%s)
forged="v=1; k=$WORLD_KEY_ID; s=99; c=av; t=$now; x=$((now + 3600)); n=$(head -c 16 /dev/urandom | basenc --base64url | tr -d =); b=$(head -c 64 /dev/urandom | base64 -w0)"
sink_before=$(world_sink_count a)
polls_before=$(count_lines "$(world_updater_log a)" 'poll \(')
out=$(swaks --server "$(world_ip a):25" --local-interface "$WORLD_CLIENT_IP" --from mallory@internet.test \
  --to alice@a.example --header "X-UUN: $forged" --header "Subject: urgent update" --body "install this" 2>&1)
check "swaks fails to send the forged UUN" [ "$?" -ne 0 ]
check_contains "gw-a answers 550 5.7.1 after DATA" "$(grep '<\*\*' <<<"$out")" "550 5.7.1 Invalid UUN in X-UUN"
check "the milter logs the rejection with the queue id" \
  grep -Eq ' [0-9A-F]+: UUN in X-UUN header rejected with 550 5.7.1: signature does not verify' "$(world_milter_log a)"
check "gw-a's queue is empty" postfix_wait_empty "$(world_mta a)" 10
check_eq "nothing more reached the inside" "$(world_sink_count a)" "$sink_before"
check_eq "no trigger was written" "$(spool_of a)" ""
check_eq "the updater did not poll" "$(count_lines "$(world_updater_log a)" 'poll \(')" "$polls_before"
check "no UUN for seq 99 was accepted" lacks "$(cat "$(world_milter_log a)")" "UUN seq 99"

# ---- 7. an updater stopped when its UUN arrives installs when it starts -------
world_updater_stop b
check_eq "gw-b's updater stops cleanly on SIGTERM" "$WORLD_RC" "0"
out=$(world_publish --channel sys --urgent "$WORLD/sys-1.tar" 2>&1)
check_contains "urgent publish of sys-1 (seq 2) notifies both" "$out" "notified seq 2: 2 of 2 UUNs queued, 0 failed"
check "gw-a, running, installs seq 2" world_wait_installed a 2 60
check "gw-b's milter swallows its UUN and leaves a trigger" \
  wait_for 30 grep -q "UUN seq 2 channel sys nonce .* is valid; mail discarded, trigger uun-2-" "$(world_milter_log b)"
check "the trigger waits in gw-b's spool" grep -Eq '^uun-2-[A-Za-z0-9_-]+$' <<<"$(spool_of b)"
check "gw-b has not installed it" grep -qx "factory rules" "$(world_installed b sys)"
t_start=$(date +%s.%N)
world_updater_start b || not_ok "gw-b's updater starts again"
check "gw-b installs seq 2 once its updater runs again" world_wait_installed b 2 60
echo "# start -> installed on gw-b: $(world_seconds_between "$t_start" "$(world_install_time b 2)") s"
check "gw-b found the trigger at start" grep -q "1 trigger(s) waiting in .* from before the start" "$(world_updater_log b)"
check "gw-b polled urgently for it" grep -q "poll (urgent, last_seq 1): 1 entries" "$(world_updater_log b)"
check "gw-b's installed file is sys-1" cmp -s "$WORLD/sys-1.tar" "$(world_installed b sys)"
check "gw-b's spool is empty again" wait_for 10 spool_empty b

# ---- 5. a non-urgent update: no UUN, fetched at the next periodic poll --------
# gw-a now polls every 5 s (server answers cannot stretch it: max_poll_interval).
short=$(world_dir a)/updater-short.yaml
world_updater_derive a "$short" "poll_interval=5s" "max_poll_interval=5s" "backoff_min=1s" "jitter=0" || exit 1
world_updater_stop a
world_updater_start a "$short" || not_ok "gw-a's updater restarts with a 5 s interval"
check "gw-a polls periodically at its restart" wait_for 20 world_log_since_start "$(world_updater_log a)" "poll (periodic"
uuns_before=$(($(uun_mails_to a) + $(uun_mails_to b)))
t0=$(date +%s.%N)
out=$(world_publish --channel av "$WORLD/av-2.db" 2>&1)
check_eq "a non-urgent publish of av-2 exits 0" "$?" "0"
check_contains "it is seq 3, not urgent" "$out" "published seq 3 (av-3) channel av, av-2.db"
check "it notifies nobody" lacks "$out" "notified"
check "gw-a installs seq 3" world_wait_installed a 3 30
echo "# publish -> installed by the next periodic poll (5 s interval) on gw-a:" \
  "$(world_seconds_between "$t0" "$(world_install_time a 3)") s"
check "gw-a fetched it by a periodic poll" grep -q "poll (periodic, last_seq 2): 1 entries" "$(world_updater_log a)"
check "every queue drains" queues_empty
check_eq "no UUN was delivered to either appliance" "$(($(uun_mails_to a) + $(uun_mails_to b)))" "$uuns_before"
check "neither milter saw a UUN for seq 3" lacks "$(cat "$(world_milter_log a)" "$(world_milter_log b)")" "UUN seq 3 "
check "gw-b (24 h interval) has not got seq 3" lacks "$(cat "$(world_hook_log b)")" " seq=3 "
status=$(world_publish --status 3)
echo "$status" | sed 's/^/#   /'
check_contains "--status 3: not urgent" "$status" "channel av, not urgent"
check "--status 3: no appliance notified" lacks "$status" "queued"

# ---- 6. an expired registry row gets no UUN -------------------------------------
# gw-b was last seen when its updater started again; gw-a polls every 5 s.
# A sweep with expire_after 1m (the shortest allowed) once gw-b is older.
world_vendor_config "$WORLD/vendor/sweep.yaml" "registry.expire_after=1m" "poll.interval=20s" || exit 1
last_seen_b=$(world_publish --appliances | awk '$1 == "gw-b" { print $9 }')
age() { echo $(($(date +%s) - $(date -d "$1" +%s))); }
echo "# waiting $((62 - $(age "$last_seen_b"))) s for gw-b's row to be a minute old"
older_than_a_minute() { [ "$(age "$1")" -ge 61 ]; }
check "gw-b's row gets a minute old" wait_for 90 older_than_a_minute "$last_seen_b"
out=$("$UUN_SERVER_BIN" -c "$WORLD/vendor/sweep.yaml" --sweep 2>&1)
check_eq "uun-server --sweep exits 0" "$?" "0"
check_contains "it removes one row" "$out" "registry sweep: removed 1 appliance not seen for 1m"
apps=$(world_publish --appliances)
check "gw-b is gone from the registry" lacks "$apps" "gw-b "
check "gw-a, seen seconds ago, stays" grep -q "^gw-a " <<<"$apps"
milter_b_before=$(count_lines "$(world_milter_log b)" 'UUN seq')
uuns_b_before=$(uun_mails_to b)
out=$(world_publish --channel sys --urgent "$WORLD/sys-2.tar" 2>&1)
check_contains "urgent publish of sys-2 (seq 4) notifies only gw-a" "$out" "notified seq 4: 1 of 1 UUNs queued, 0 failed"
check "gw-a's milter gets its UUN" wait_for 30 grep -q "UUN seq 4 channel sys" "$(world_milter_log a)"
check "gw-a installs seq 4" world_wait_installed a 4 30
check "every queue drains" queues_empty
check_eq "the vendor's Postfix delivered nothing more to gw-b" "$(uun_mails_to b)" "$uuns_b_before"
check_eq "gw-b's milter saw no UUN" "$(count_lines "$(world_milter_log b)" 'UUN seq')" "$milter_b_before"
check_eq "gw-b's spool stays empty" "$(spool_of b)" ""
status=$(world_publish --status 4)
check "--status 4 lists gw-a" grep -q "^gw-a " <<<"$status"
check "--status 4 does not list gw-b" lacks "$status" "gw-b "
check "gw-b has not installed sys-2" cmp -s "$WORLD/sys-1.tar" "$(world_installed b sys)"

# ---- the wiring: with the milter down, mail flows and UUNs still stay out ---------
world_milter_stop a
check_eq "gw-a's milter stops cleanly on SIGTERM" "$WORLD_RC" "0"
sink_before=$(world_sink_count a)
out=$(swaks --server "$(world_ip a):25" --local-interface "$WORLD_CLIENT_IP" --from bob@sender.test \
  --to alice@a.example --header "Subject: while the milter is down" --body "still delivered" 2>&1)
check_eq "default_action=accept: mail is accepted while the milter is down" "$?" "0"
check "... and relayed inside" wait_for 30 sink_has a $((sink_before + 1))
check "Postfix logged that it could not reach the milter" \
  grep -q "warning: connect to Milter service unix:$(world_dir a)/run/milter.sock" "$(world_mta a)/maillog"
out=$(swaks --server "$(world_ip a):25" --local-interface "$WORLD_CLIENT_IP" --from uun+gw-a@uun.vendor.example \
  --to "$(world_recipient a)" --header "X-UUN: $forged" --body "a UUN the milter cannot see" 2>&1)
check_eq "a mail to the notify recipient is accepted too" "$?" "0"
check "... and delivered to the discard backstop" wait_for 30 grep -Eq \
  "to=<$(world_recipient a)>, relay=none, .*status=sent \(uun notification\)" "$(world_mta a)/maillog"
check "gw-a's queue is empty" postfix_wait_empty "$(world_mta a)" 10
check_eq "... not inside" "$(world_sink_count a)" "$((sink_before + 1))"
world_milter_start a || not_ok "gw-a's milter starts again"

# ---- across the run ----------------------------------------------------------------
check_eq "the inside of gw-a got only the two normal mails" "$(world_sink_count a)" "2"
check_eq "the inside of gw-b got nothing" "$(world_sink_count b)" "0"
for key in server milter-a milter-b sink-a sink-b updater-a updater-b; do
  check "$key is still running" kill -0 "${WORLD_PID[$key]:-0}"
done
if [ "$UUN_FAILED" -gt 0 ]; then
  for f in vendor/server.log gw-a/updater.log gw-b/updater.log gw-a/milter.log gw-b/milter.log; do
    echo "# $f (last 30 lines):"
    tail -30 "$WORLD/$f" | sed 's/^/#   /'
  done
  echo "# vendor maillog (last 30 lines):"
  tail -30 "$vendor_log" | sed 's/^/#   /'
fi
summary
