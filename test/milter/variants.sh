#!/usr/bin/env bash
# The claim-level variants, switched on, over an inet socket on this suite's
# loopback range: a tag list after "[UUN]" in the Subject, and a UUN-Token
# line in the body of a "[UUN]" mail. Ordinary mail is still accepted at end
# of headers without its body.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/lib/milter_env.sh"

socket=inet:8891@127.0.3.1
crlf=$'\r\n'
write_config "$work/milter.yaml" "$socket" "variants: {subject_marker: true, body_token: true, max_body_bytes: 4KiB}"
start_milter "$work/milter.yaml" "$work/milter.log" || { not_ok "uun-milter starts on $socket"; summary; exit 1; }
ok "uun-milter starts on $socket"

check "the body is negotiated when a body variant is on" mt "$socket" negotiation.lua -D want_body=1 -D tcp=1
check "ordinary mail is still accepted at end of headers" mt "$socket" message.lua -D qid=NORMAL \
  -D h1n=Subject -D "h1v=Re: [UUN] is it on?" -D want=ACCEPT

in_subject=$(header --seq 80 --channel av)
check "a valid tag list after [UUN] in the Subject is discarded at end of headers" mt "$socket" message.lua \
  -D qid=SUBJECT -D h1n=Subject -D "h1v=[UUN] $in_subject" -D want=DISCARD
check_eq "... with its trigger" "$(spool_files)" "uun-80-$(nonce_of "$in_subject")"
rm -f "$work/spool/"*

check "a bad tag list in the Subject is rejected" mt "$socket" message.lua -D qid=BADSUBJ \
  -D h1n=Subject -D "h1v=[UUN] v=1; k=nope" -D want=REPLYCODE
check "... with 550 5.7.1, logged" log_has "BADSUBJ: UUN in Subject rejected with 550 5.7.1:"

in_body=$(header --seq 81 --channel av)
check "a [UUN] mail has its body read and a valid UUN-Token is discarded" mt "$socket" message.lua \
  -D qid=BODY -D h1n=Subject -D "h1v=[UUN] urgent update" -D want=CONTINUE \
  -D "body=Hello,${crlf}UUN-Token: $in_body${crlf}" -D want_eom=DISCARD
check_eq "... with its trigger" "$(spool_files)" "uun-81-$(nonce_of "$in_body")"
rm -f "$work/spool/"*

check "a [UUN] mail without a token is rejected 550 5.7.1 at end of message" mt "$socket" message.lua \
  -D qid=NOTOKEN -D h1n=Subject -D "h1v=[UUN]" -D want=CONTINUE -D "body=nothing here" -D want_eom=REPLYCODE \
  -D "eom_reply=550 5.7.1 Invalid UUN in body: no UUN-Token line in the first 4096 bytes of a [UUN] mail"

forged=$(header --seq 82 --channel av --tamper-seq)
check "a forged UUN-Token is rejected 550 5.7.1" mt "$socket" message.lua \
  -D qid=FORGEDTOKEN -D h1n=Subject -D "h1v=[UUN]" -D want=CONTINUE -D "body=UUN-Token: $forged" -D want_eom=REPLYCODE \
  -D "eom_reply=550 5.7.1 Invalid UUN in UUN-Token line: signature does not verify"

late=$(header --seq 83 --channel av)
check "a token past the body limit is not looked for" mt "$socket" message.lua \
  -D qid=LATE -D h1n=Subject -D "h1v=[UUN]" -D want=CONTINUE \
  -D "body=$(head -c 5000 /dev/zero | tr '\0' x)${crlf}UUN-Token: $late" -D want_eom=REPLYCODE \
  -D "eom_reply=550 5.7.1 Invalid UUN in body: no UUN-Token line in the first 4096 bytes of a [UUN] mail"
check_eq "no rejected variant left a trigger" "$(spool_files)" ""

stop_milter
check_eq "SIGTERM stops the milter cleanly" "$milter_rc" "0"
check "no sanitizer report" bash -c "! grep -E 'Sanitizer|runtime error' '$work/milter.log'"
summary
