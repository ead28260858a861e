#!/usr/bin/env bash
# A valid UUN whose trigger cannot be written (the spool is not writable by
# the milter user) is answered 451 4.3.0 so the vendor's MTA retries, and its
# nonce is not recorded: once the spool is fixed, the retry succeeds.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/lib/milter_env.sh"

sock=$work/sock/milter.sock
# Take the spool away from the milter user: root-owned 0755 when we are root
# (the milter runs as nobody), read-only otherwise.
if [ "$(id -u)" -eq 0 ]; then
  chown root "$work/spool" && chmod 755 "$work/spool"
else
  chmod 555 "$work/spool"
fi
write_config "$work/milter.yaml" "unix:$sock"
start_milter "$work/milter.yaml" "$work/milter.log" || { not_ok "uun-milter starts"; summary; exit 1; }
ok "uun-milter starts"
check "it warns at start that the spool is not writable" log_has "spool_dir $work/spool is not writable by user $milter_user"

valid=$(header --seq 60 --channel av)
nonce=$(nonce_of "$valid")
check "a valid UUN is answered with a reply, not discarded" mt "unix:$sock" message.lua -D qid=NOSPOOL \
  -D h1n=X-UUN -D "h1v=$valid" -D want=REPLYCODE
check "... and the reply is 451 4.3.0 (logged with the reason)" \
  log_has "NOSPOOL: UUN seq 60 channel av nonce $nonce is valid but was not stored: "
check "... the log says the sender retries" log_has "answered 451 4.3.0 so the sender retries"
check_eq "no trigger and no temp file in the spool" "$(spool_files)" ""

check "normal mail still passes" mt "unix:$sock" message.lua -D qid=NORMAL -D h1n=Subject -D h1v=hi -D want=ACCEPT

milter_dir "$work/spool" && chmod 755 "$work/spool"
check "the retry after the spool is fixed is discarded" mt "unix:$sock" message.lua -D qid=RETRY \
  -D h1n=X-UUN -D "h1v=$valid" -D want=DISCARD
check_eq "... and leaves its trigger (the nonce was not recorded)" "$(spool_files)" "uun-60-$nonce"
check "... logged as valid, not as a replay" log_has "RETRY: UUN seq 60 channel av nonce $nonce is valid; mail discarded"

stop_milter
check_eq "SIGTERM stops the milter cleanly" "$milter_rc" "0"
check "no sanitizer report" bash -c "! grep -E 'Sanitizer|runtime error' '$work/milter.log'"
summary
