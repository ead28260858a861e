#!/usr/bin/env bash
# uun-milter's decisions over its unix socket, driven by miltertest (a real
# libmilter client): normal mail accepted at end of headers without its body,
# valid UUN discarded with a trigger, forged / unknown-key / 400-day /
# oversized / duplicated UUN rejected 550, a signed UUN from the future
# answered 451 (this host's clock is behind), stale and replayed UUN discarded
# without a trigger, aborts and dropped connections handled.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/lib/milter_env.sh"

sock=$work/sock/milter.sock
write_config "$work/milter.yaml" "unix:$sock" "socket_group: postfix" 'socket_mode: "0660"'
start_milter "$work/milter.yaml" "$work/milter.log" || { not_ok "uun-milter starts"; summary; exit 1; }
ok "uun-milter starts"

check_eq "socket group and mode from config" "$(stat -c '%G %a' "$sock")" "postfix 660"
check_eq "milter runs as $milter_user" "$(ps -o user= -p "$milter_pid" | tr -d ' ')" "$milter_user"

check "only the steps it needs are negotiated (no body)" mt "unix:$sock" negotiation.lua -D want_body=0 -D tcp=0

check "normal mail is accepted at end of headers" mt "unix:$sock" message.lua -D qid=NORMAL1 \
  -D h1n=From -D h1v=a@example.com -D h2n=Subject -D "h2v=Lunch?" -D want=ACCEPT
check_eq "normal mail leaves no trigger" "$(spool_files)" ""

valid=$(header --seq 42 --channel av)
nonce=$(nonce_of "$valid")
check "a valid UUN is discarded" mt "unix:$sock" message.lua -D qid=VALID1 -D h1n=X-UUN -D "h1v=$valid" -D want=DISCARD
check_eq "its trigger is in the spool under the right name" "$(spool_files)" "uun-42-$nonce"
trigger_text=$(cat "$work/spool/uun-42-$nonce" 2>/dev/null)
check_contains "the trigger names the queue id" "$trigger_text" "queue_id=VALID1"
check_contains "the trigger names seq and channel" "$trigger_text" "seq=42
channel=av
nonce=$nonce"
check "the decision is logged with the queue id" log_has "VALID1: UUN seq 42 channel av nonce $nonce is valid; mail discarded, trigger uun-42-$nonce written"

folded=$(header --seq 43 --channel av | sed 's/; s=/;\n\ts=/')
check "a folded valid UUN is discarded" mt "unix:$sock" message.lua -D qid=FOLDED -D h1n=X-UUN -D "h1v=$folded" -D want=DISCARD
check "its trigger is written" test -f "$work/spool/uun-43-$(nonce_of "$(tr -d '\n\t' <<<"$folded")")"

rm -f "$work/spool/"*
forged=$(header --seq 44 --channel av --tamper-seq)
check "a forged UUN is rejected" mt "unix:$sock" message.lua -D qid=FORGED -D h1n=X-UUN -D "h1v=$forged" -D want=REPLYCODE
check "... with 550 5.7.1, logged" log_has "FORGED: UUN in X-UUN header rejected with 550 5.7.1: signature does not verify"

stranger=$("$make_header_bin" --key "$work/keys/stranger.pem" --seq 45 --channel av)
check "a UUN signed by an unknown key is rejected" mt "unix:$sock" message.lua -D qid=STRANGER -D h1n=X-UUN -D "h1v=$stranger" -D want=REPLYCODE
check "... with 550 5.7.1, logged" log_has "STRANGER: UUN in X-UUN header rejected with 550 5.7.1: key "

now=$(date +%s)
future=$(header --seq 46 --channel av --issued $((now + 3600)) --expires $((now + 7200)))
check "a signed UUN issued an hour ahead gets a reply code" mt "unix:$sock" message.lua -D qid=FUTURE -D h1n=X-UUN -D "h1v=$future" -D want=REPLYCODE
check "... 451 4.3.0, not 550: this host's clock may be behind, the vendor's MTA retries" \
  log_has "FUTURE: UUN in X-UUN header is signed but not valid yet (issued 3600s in the future; is this host's clock behind?); answered 451 4.3.0"

long=$(header --seq 50 --channel av --issued "$now" --expires $((now + 400 * 86400)))
check "a signed UUN that lives 400 days is rejected" mt "unix:$sock" message.lua -D qid=LONG -D h1n=X-UUN -D "h1v=$long" -D want=REPLYCODE
check "... with 550 5.7.1: over the one-day maximum, logged" \
  log_has "LONG: UUN in X-UUN header rejected with 550 5.7.1: lifetime 34560000s is over the 86400s maximum"

big="$(header --seq 47 --channel av); z=$(head -c 600 /dev/zero | tr '\0' a)"
check "an oversized X-UUN is rejected" mt "unix:$sock" message.lua -D qid=BIG -D h1n=X-UUN -D "h1v=$big" -D want=REPLYCODE
check "... with 550 5.7.1, logged" log_has "BIG: UUN in X-UUN header rejected with 550 5.7.1: X-UUN header longer than 512 bytes"

check "two X-UUN headers are rejected" mt "unix:$sock" message.lua -D qid=TWICE \
  -D h1n=X-UUN -D "h1v=$(header --seq 48 --channel av)" -D h2n=X-UUN -D "h2v=$(header --seq 49 --channel av)" -D want=REPLYCODE
check "... with 550 5.7.1, logged" log_has "TWICE: UUN in X-UUN header rejected with 550 5.7.1: more than one X-UUN header"

check "garbage in X-UUN is rejected" mt "unix:$sock" message.lua -D qid=GARBAGE -D h1n=X-UUN -D "h1v=v=1; hello" -D want=REPLYCODE
check_eq "no rejected UUN left a trigger" "$(spool_files)" ""

stale=$(header --seq 50 --channel av --issued $((now - 7200)) --expires $((now - 3600)))
check "a stale UUN is discarded" mt "unix:$sock" message.lua -D qid=STALE -D h1n=X-UUN -D "h1v=$stale" -D want=DISCARD
check_eq "... without a trigger" "$(spool_files)" ""
check "... and logged as stale" log_has "STALE: UUN seq 50 channel av nonce $(nonce_of "$stale") is stale"

replayed=$(header --seq 51 --channel av)
check "a UUN sent three times is discarded each time" mt "unix:$sock" replay.lua -D "hdr=$replayed"
check_eq "only one trigger is written" "$(spool_files)" "uun-51-$(nonce_of "$replayed")"
check_eq "the replays are logged" "$(grep -c "nonce $(nonce_of "$replayed") was seen before (replay)" "$work/milter.log")" "2"

rm -f "$work/spool/"*
after_abort=$(header --seq 52 --channel av)
check "aborted and dropped messages leak into nothing" mt "unix:$sock" abort.lua -D "hdr=$after_abort"
check_eq "the UUN after the abort left its trigger" "$(spool_files)" "uun-52-$(nonce_of "$after_abort")"

stop_milter
check_eq "SIGTERM stops the milter cleanly" "$milter_rc" "0"
check "it logs that it stopped" log_has "uun-milter: stopped"
check "it removes its socket" test ! -e "$sock"
check "no sanitizer report" bash -c "! grep -E 'Sanitizer|runtime error' '$work/milter.log'"
summary
