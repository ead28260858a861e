#!/usr/bin/env bash
# Sendmail as the appliance MTA (issue 18), on 127.0.10.0/24: the vendor of
# test/lib/world.sh, appliance gw-a with a private Sendmail (test/lib/sendmail.sh)
# and the real uun-milter and uun-updater, and gw-b with the same Sendmail but a
# pass-through (no INPUT_MAIL_FILTER), which must fail the decisive checks.
set -u
: "${UUN_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${UUN_BUILD:=$UUN_SRC/build}"
: "${WORLD_NET:=127.0.10}"
. "$UUN_SRC/test/lib/world.sh"
. "$UUN_SRC/test/lib/sendmail.sh"
MAKE_UUN=$UUN_BUILD/test/tools/make_uun_header

trap 'world_destroy; sendmail_cleanup' EXIT
world_create || exit 1
sendmail_unpack || exit 1
world_vendor_start || exit 1
# SENDMAIL_A_MODE=passthrough runs gw-a without uun-milter: the decisive checks must fail.
sendmail_appliance a 1 "${SENDMAIL_A_MODE:-milter}" || exit 1
sendmail_appliance b 2 passthrough || exit 1

count_lines() { grep -cE -- "$2" "$1" 2>/dev/null || true; }
sink_has() { [ "$(world_sink_count "$1")" -ge "$2" ]; }
sink_holds() { grep -rqF -- "$2" "$(world_sink_dir "$1")"; }
lacks() { case "$1" in *"$2"*) return 1 ;; esac; }
spool_of() { ls -A "$(world_spool "$1")" | xargs; }
spool_empty() { [ -z "$(spool_of "$1")" ]; }
sink_lacks() { ! sink_holds "$@"; }
# mail NAME TO ARGS...: swaks from the internet client to NAME's Sendmail.
mail() {
  local name=$1 to=$2
  shift 2
  swaks --server "$(world_ip "$name"):25" --local-interface "$WORLD_CLIENT_IP" --helo client.sender.test \
    --from bob@sender.test --to "$to" "$@" 2>&1
}
reply_of() { grep '<\*\*' <<<"$1"; }
fresh_uun() { "$MAKE_UUN" --key "$WORLD/vendor/publisher.key" --seq "$1" --channel av; }
# fold_b HEADER: the header rewrapped by a relay, with folds inside b= too.
fold_b() { sed -E 's/; b=(.{30})(.{30})/;\r\n\tb=\1\r\n\t\2\r\n /' <<<"$1"; }
printf 'av signatures 2026-12-03\n' >"$WORLD/av-1.db"

# ---- the urgent flow: uun-publish, the vendor's Postfix, Sendmail, the milter --
world_updater_start a || exit 1
check "gw-a registers by its first poll" world_wait_registered a 30
out=$(world_publish --channel av --urgent "$WORLD/av-1.db" 2>&1)
check_contains "the urgent publish hands one UUN to the vendor MTA" "$out" "notified seq 1: 1 of 1 UUNs queued, 0 failed"
check "gw-a installs seq 1" world_wait_installed a 1 60
check "the installed file is the published one" cmp -s "$WORLD/av-1.db" "$(world_installed a av)"
check "the milter discarded it with a trigger, Sendmail's {i} as queue id" grep -Eq \
  ' [0-9A-Za-z]{14}: UUN seq 1 channel av nonce .* is valid; mail discarded, trigger uun-1-' "$(world_milter_log a)"
check "it was an urgent poll" grep -q "poll (urgent, last_seq 0): 1 entries" "$(world_updater_log a)"
check "gw-a's Sendmail queue is empty" wait_for 20 sendmail_queue_empty a
check_eq "the inside got nothing" "$(world_sink_count a)" "0"

# ---- plain mail reaches the inside unchanged ----------------------------------
out=$(mail a alice@a.example --header "Subject: figures" --header "X-Folded: one$(printf '\r\n\t')two" \
  --body "plain body line 1")
check_eq "plain mail is accepted" "$?" "0"
check "it reaches the sink" wait_for 30 sink_has a 1
check "with its body" wait_for 10 sink_holds a "plain body line 1"
check "and its folded header, as sent" grep -rqzP 'X-Folded: one\n\ttwo' "$(world_sink_dir a)"

# ---- forged: 550 5.7.1 from uun-milter ------------------------------------------
now=$(date +%s)
forged="v=1; k=$WORLD_KEY_ID; s=99; c=av; t=$now; x=$((now + 3600)); n=$(head -c 16 /dev/urandom | basenc --base64url | tr -d =); b=$(head -c 64 /dev/urandom | base64 -w0)"
out=$(mail a alice@a.example --header "X-UUN: $forged" --body "install this")
check_contains "a forged UUN gets 550 5.7.1 from Sendmail" "$(reply_of "$out")" "550 5.7.1"
check "the milter logs the rejection" grep -q "rejected with 550 5.7.1: signature does not verify" "$(world_milter_log a)"

# ---- replay: discarded, no trigger -------------------------------------------------
uun=$(fresh_uun 2)
mail a "$(sendmail_recipient a)" --header "X-UUN: $uun" --body "first" >/dev/null
check "a fresh UUN is valid" wait_for 10 grep -q "UUN seq 2 channel av .* is valid" "$(world_milter_log a)"
polls=$(count_lines "$(world_updater_log a)" 'poll \(urgent')
check "its trigger is consumed" wait_for 30 spool_empty a
out=$(mail a "$(sendmail_recipient a)" --header "X-UUN: $uun" --body "again")
check_eq "the replay is accepted at SMTP (discarded)" "$?" "0"
check "the milter calls it a replay" wait_for 10 grep -qi "seq 2 .*replay" "$(world_milter_log a)"
check_eq "no trigger for the replay" "$(spool_of a)" ""

# ---- folded, also inside b= --------------------------------------------------------
folded=$(fold_b "$(fresh_uun 3)")
check "the test header is folded inside b=" grep -qP '^\tb=' <<<"$folded"
out=$(mail a "$(sendmail_recipient a)" --header "X-UUN: $folded" --body "folded")
check_eq "the folded UUN is accepted" "$?" "0"
check "the milter finds it valid" wait_for 10 grep -q "UUN seq 3 channel av .* is valid" "$(world_milter_log a)"

# ---- the same UUNs through gw-a (uun-milter) and gw-b (pass-through) ----------------
# Each UUN goes to an inside user of both appliances. What uun-milter decides
# (550, or discarded so the inside never sees it) must not happen on gw-b: the
# decisive checks above are the milter's doing, not Sendmail's.
# compare LABEL HEADER WANT_A: WANT_A is 550 or discarded.
compare() {
  local label=$1 header=$2 want=$3 mark="$1 $RANDOM$RANDOM" out_a out_b
  out_a=$(mail a alice@a.example --header "X-UUN: $header" --body "$mark")
  out_b=$(mail b alice@b.example --header "X-UUN: $header" --body "$mark")
  if [ "$want" = 550 ]; then
    check_contains "$label: gw-a refuses it with 550 5.7.1" "$(reply_of "$out_a")" "550 5.7.1"
  else
    check "$label: gw-a accepts it at SMTP" grep -q "250 .*[Qq]ueued\|250 2.0.0" <<<"$out_a"
  fi
  check "$label: pass-through gw-b accepts it" grep -q "250 2.0.0" <<<"$out_b"
  check "$label: it reaches gw-b's inside" wait_for 30 sink_holds b "$mark"
  check "$label: it never reaches gw-a's inside" sink_lacks a "$mark"
}
compare "forged" "$forged" 550
compare "valid" "$(fresh_uun 5)" discarded
compare "replayed" "$uun" discarded
compare "folded inside b=" "$(fold_b "$(fresh_uun 6)")" discarded
check "gw-a wrote a trigger only for the new seqs" wait_for 10 grep -q "UUN seq 6 channel av .* is valid" "$(world_milter_log a)"

# ---- milter hung (SIGSTOP): Sendmail's T= timeouts, then on without it ---------------
# Without F= in INPUT_MAIL_FILTER a milter that does not answer within T= is
# skipped (README "Sendmail"): the mail is neither refused nor held.
milter_pid=${WORLD_PID[milter-a]:-}
if [ -n "$milter_pid" ]; then
  kill -STOP "$milter_pid"
  out=$(mail a alice@a.example --body "while the milter hangs")
  check_eq "mail is accepted while the milter hangs" "$?" "0"
  check "and reaches the inside" wait_for 30 sink_holds a "while the milter hangs"
  kill -CONT "$milter_pid"
  mail a "$(sendmail_recipient a)" --header "X-UUN: $(fresh_uun 7)" --body "after the hang" >/dev/null
  check "once it runs again the milter decides again" \
    wait_for 10 grep -q "UUN seq 7 channel av .* is valid" "$(world_milter_log a)"
else
  not_ok "gw-a's milter runs (the hung-milter case needs it)"
fi

# ---- milter down: plain mail flows, the backstop alias takes the UUN -----------------
world_milter_stop a
out=$(mail a alice@a.example --body "while the milter is down")
check_eq "mail is accepted while the milter is down (no F=)" "$?" "0"
check "and reaches the inside" wait_for 30 sink_holds a "while the milter is down"
uun=$(fresh_uun 8)
out=$(mail a "$(sendmail_recipient a)" --header "X-UUN: $uun" --body "nobody sees this")
check_eq "a UUN to the notify address is accepted" "$?" "0"
check "Sendmail delivers it (to the /dev/null alias)" wait_for 30 sendmail_queue_empty a
check "the backstop: it never reaches the inside" sink_lacks a "nobody sees this"
world_milter_start a || not_ok "gw-a's milter starts again"

for key in server milter-a sendmail-a sendmail-b sink-a sink-b updater-a; do
  check "$key is still running" kill -0 "${WORLD_PID[$key]:-0}"
done
if [ "$UUN_FAILED" -gt 0 ]; then
  for f in gw-a/milter.log gw-a/updater.log gw-a/sendmail/sendmail.out; do
    echo "# $f:"
    tail -20 "$WORLD/$f" | sed 's/^/#   /'
  done
fi
world_destroy
sendmail_cleanup
trap - EXIT
check_eq "nothing the world started is left running (Sendmail included)" "$(world_leftovers)" ""
check_eq "no listener is left on the world's addresses" "$(world_listeners)" ""
summary
