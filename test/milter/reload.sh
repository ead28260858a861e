#!/usr/bin/env bash
# uun-milter's reload (SIGHUP, what `systemctl reload` sends): milter.yaml
# and its keys are read again and new connections get them; a mail in
# flight finishes under the config it started with; a new config that does
# not load is logged and the running one kept; keys only a restart can
# change are kept with a warning; a burst of SIGHUPs does not stop the
# milter (libmilter's own signal thread would), and SIGTERM and SIGINT
# still do.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/lib/milter_env.sh"

sock=$work/sock/milter.sock
config=$work/milter.yaml
openssl pkey -in "$work/keys/stranger.pem" -pubout -out "$work/keys/stranger.pub.pem"
chmod 644 "$work/keys/stranger.pub.pem"
trust_stranger() { sed -i "s|^trusted_keys: .*|trusted_keys: [$work/keys/stranger.pub.pem]|" "$config"; }
stranger_header() { "$make_header_bin" --key "$work/keys/stranger.pem" "$@"; }
reloads() { grep -c "reloaded $config" "$milter_log"; }
# hup: one SIGHUP, then waits until the log has one more reload line or reload error.
hup() {
  local before
  before=$(grep -cE "reloaded $config|reload: " "$milter_log")
  kill -HUP "$milter_pid"
  wait_for 10 sh -c "[ \$(grep -cE 'reloaded $config|reload: ' '$milter_log') -gt $before ]"
}

write_config "$config" "unix:$sock"
start_milter "$config" "$work/milter.log" || { not_ok "uun-milter starts"; summary; exit 1; }
ok "uun-milter starts"
check "a UUN signed by the publisher key is discarded" mt "unix:$sock" message.lua -D qid=PUB1 \
  -D h1n=X-UUN -D "h1v=$(header --seq 1 --channel av)" -D want=DISCARD
check "one signed by a stranger is rejected" mt "unix:$sock" message.lua -D qid=STR1 \
  -D h1n=X-UUN -D "h1v=$(stranger_header --seq 2 --channel av)" -D want=REPLYCODE

# ---- a mail in flight keeps the config it started with ---------------------------
rm -f "$work/ready" "$work/go"
mt "unix:$sock" in_flight.lua -D qid=FLIGHT -D h1n=X-UUN -D "h1v=$(header --seq 3 --channel av)" \
  -D want=DISCARD -D "ready=$work/ready" -D "go=$work/go" &
flight=$!
check "the in-flight mail has sent its headers" wait_for 20 test -e "$work/ready"
trust_stranger
check "SIGHUP reloads milter.yaml" hup
check "... and logs it with the new keys" log_has "reloaded $config: socket unix:$sock"
touch "$work/go"
wait "$flight"
check_eq "the mail in flight was judged by the keys it started with (discarded, not rejected)" "$?" "0"

# ---- new connections get the new config -----------------------------------------
check "after the reload the publisher's UUN is rejected" mt "unix:$sock" message.lua -D qid=PUB2 \
  -D h1n=X-UUN -D "h1v=$(header --seq 4 --channel av)" -D want=REPLYCODE
check "... and the stranger's, now trusted, is discarded" mt "unix:$sock" message.lua -D qid=STR2 \
  -D h1n=X-UUN -D "h1v=$(stranger_header --seq 5 --channel av)" -D want=DISCARD
check "... with its trigger" bash -c "ls '$work/spool' | grep -q '^uun-5-'"

# ---- a bad new config is logged, the running one stays ---------------------------
cp "$config" "$work/good.yaml"
echo "no_such_key: 1" >>"$config"
check "SIGHUP with a broken milter.yaml" hup
check "... logs why, naming file, line and key" log_has "reload: $config:"
check "... and that the running config stays" log_has "unknown key 'no_such_key'"
check "... says the running config stays" log_has "; the running config stays"
check "the milter still runs" kill -0 "$milter_pid"
check "... with the config it had (the stranger's UUN is discarded)" mt "unix:$sock" message.lua -D qid=STR3 \
  -D h1n=X-UUN -D "h1v=$(stranger_header --seq 6 --channel av)" -D want=DISCARD
cp "$work/good.yaml" "$config"
sed -i "s|^trusted_keys: .*|trusted_keys: [$work/keys/missing.pem]|" "$config"
check "SIGHUP with a key file that is not there" hup
check "... logs it" log_has "reload: trusted_keys: "
check "... and keeps the keys it had" mt "unix:$sock" message.lua -D qid=STR4 \
  -D h1n=X-UUN -D "h1v=$(stranger_header --seq 7 --channel av)" -D want=DISCARD

# ---- keys only a restart applies ---------------------------------------------------
cp "$work/good.yaml" "$config"
sed -i "s|^socket: .*|socket: unix:$work/sock/other.sock|" "$config"
check "SIGHUP with another socket" hup
check "... warns that it takes effect at the next restart" \
  log_has "reload: socket changed in $config; it takes effect at the next restart"
check "... and still listens where it did" mt "unix:$sock" message.lua -D qid=SOCK -D h1n=Subject -D h1v=x -D want=ACCEPT
check "... not on the new path" test ! -e "$work/sock/other.sock"

# ---- a burst of SIGHUPs does not stop it ---------------------------------------------
cp "$work/good.yaml" "$config"
before=$(reloads)
# A thousand: while libmilter's own signal thread still waited for SIGHUP, a
# burst this size stopped the milter every time.
for i in $(seq 1 1000); do kill -HUP "$milter_pid"; done
sleep 1
check "1000 SIGHUPs in a row: the milter still runs" kill -0 "$milter_pid"
check "... and answers" mt "unix:$sock" message.lua -D qid=BURST -D h1n=Subject -D h1v=x -D want=ACCEPT
after=$(reloads)
check "... having reloaded at least once and far fewer times (they coalesce)" \
  test "$after" -gt "$before" -a "$after" -le $((before + 1000))
check "no stop was logged" bash -c "! grep -q 'stopping on' '$milter_log'"

stop_milter
check_eq "SIGTERM still stops it cleanly" "$milter_rc" "0"
check "... logged as a stop on SIGTERM" log_has "stopping on SIGTERM"
check "no sanitizer report" bash -c "! grep -E 'Sanitizer|runtime error' '$milter_log'"

start_milter "$config" "$work/milter-int.log" || not_ok "uun-milter starts again"
kill -INT "$milter_pid"
wait "$milter_pid"
check_eq "SIGINT stops it cleanly too" "$?" "0"
milter_pid=""

summary
