# Sourced by shell suites that need a real, private Postfix instance on a
# loopback address (publish integration, end to end): create, start, submit,
# wait for an empty queue, stop. Everything lives in the instance directory;
# the system Postfix (if any) is never touched. A failing step prints why
# and returns non-zero; callers keep their own EXIT trap calling postfix_stop.
#
#   postfix_create DIR ADDR PORT [main.cf line...]   PORT "-": no smtpd listener
#   postfix_master_append DIR LINE...                 more master.cf services
#   postfix_start DIR        postfix_stop DIR         postfix_reload DIR
#   postfix_sendmail DIR [sendmail args...] <message
#   postfix_wait_empty DIR SECONDS                    postfix_log DIR
#
# Layout: DIR/etc (config_directory), DIR/spool (queue_directory), DIR/data
# (data_directory), DIR/maillog (maillog_file: there is no syslog daemon).
# Daemons run unchrooted so nothing has to be copied into the spool. The
# listener's service name is "ADDR:PORT", so a per-service override is
#   postconf -c "$(postfix_conf DIR)" -P "ADDR:PORT/inet/smtpd_milters=inet:127.0.5.9:8891"
# postfix_create makes DIR's parent searchable by others (o+x): master opens
# its lock file as mail_owner, which must reach DIR.

# postfix_conf DIR: the config directory, for "postfix -c" and "sendmail -C".
postfix_conf() { echo "$1/etc"; }

postfix_create() {
  local dir=$1 addr=$2 port=$3
  shift 3
  if [ -z "$dir" ] || [ -z "$addr" ] || [ -z "$port" ]; then
    echo "postfix_create: usage: postfix_create DIR ADDR PORT [main.cf line...]" >&2
    return 2
  fi
  mkdir -p "$dir/etc" "$dir/spool" "$dir/data" || return 1
  # master opens its lock file as mail_owner, which must be able to reach
  # the instance even below a mktemp -d (mode 0700) parent.
  chmod o+x "$(dirname "$dir")" || return 1
  chmod 755 "$dir" "$dir/etc" || return 1
  chown root:root "$dir/spool" && chmod 755 "$dir/spool" || return 1
  chown postfix:postfix "$dir/data" && chmod 700 "$dir/data" || return 1
  : >"$dir/maillog" || return 1

  {
    echo "# Private Postfix instance made by test/lib/postfix.sh."
    echo "compatibility_level = 3.6"
    echo "config_directory = $dir/etc"
    echo "queue_directory = $dir/spool"
    echo "data_directory = $dir/data"
    echo "maillog_file_prefixes = $dir"
    echo "maillog_file = $dir/maillog"
    echo "mail_owner = postfix"
    echo "setgid_group = postdrop"
    echo "myhostname = postfix-$(echo "$addr" | tr -c '0-9a-zA-Z\n' '-').test"
    echo "mydomain = test"
    echo "myorigin = \$myhostname"
    echo "mydestination ="
    echo "relayhost ="
    # inet_interfaces accepts interface addresses only; 127.0.2.x is routed
    # to lo without being one, so the listener below names its address.
    echo "inet_interfaces = all"
    echo "inet_protocols = ipv4"
    echo "smtp_bind_address = $addr"
    echo "mynetworks = 127.0.0.0/8"
    echo "alias_maps ="
    echo "alias_database ="
    echo "biff = no"
    echo "append_dot_mydomain = no"
    echo "readme_directory = no"
    # No DNS: every destination in a test is an [address].
    echo "smtp_dns_support_level = disabled"
    echo "smtp_host_lookup = native"
    echo "smtpd_peername_lookup = no"
    echo "smtp_tls_security_level = none"
    echo "smtpd_tls_security_level = none"
    # Tests want retries and queue scans to happen in seconds, not minutes.
    echo "queue_run_delay = 1s"
    echo "minimal_backoff_time = 1s"
    echo "maximal_backoff_time = 2s"
    echo "delay_warning_time = 0"
    echo "in_flow_delay = 0"
  } >"$dir/etc/main.cf" || return 1
  # Caller lines replace defaults in place (a repeated name draws warnings).
  local line
  for line in "$@"; do
    postconf -c "$dir/etc" -e "$line" || { echo "postfix_create: bad main.cf line: $line" >&2; return 1; }
  done

  {
    echo "# service type private unpriv chroot wakeup maxproc command"
    [ "$port" != "-" ] && echo "$addr:$port inet n - n - - smtpd"
    cat <<'EOF'
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
  } >"$dir/etc/master.cf" || return 1

  return 0
}

postfix_master_append() {
  local dir=$1
  shift
  printf '%s\n' "$@" >>"$dir/etc/master.cf"
}

postfix_start() {
  local dir=$1 out
  if ! out=$(postfix -c "$dir/etc" start 2>&1); then
    echo "postfix_start: postfix -c $dir/etc start failed: $out" >&2
    tail -20 "$dir/maillog" >&2
    return 1
  fi
  # "start" returns once master is forked; wait until it holds its pid file.
  local i
  for i in $(seq 1 100); do
    postfix -c "$dir/etc" status >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "postfix_start: master in $dir did not come up" >&2
  tail -20 "$dir/maillog" >&2
  return 1
}

postfix_master_pid() {
  local pidfile="$1/spool/pid/master.pid"
  [ -f "$pidfile" ] && tr -dc '0-9' <"$pidfile"
}

# postfix_stop DIR: stops the instance if it runs; safe to call twice.
postfix_stop() {
  local dir=$1 pid i
  [ -f "$dir/etc/main.cf" ] || return 0
  pid=$(postfix_master_pid "$dir")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  postfix -c "$dir/etc" stop >/dev/null 2>&1
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  # The master of this instance only: its pid came from its own pid file.
  echo "postfix_stop: master $pid in $dir did not stop; killing it" >&2
  kill -9 "$pid" 2>/dev/null
  return 0
}

# postfix_reload DIR: returns once every process of the old configuration has
# gone. `postfix reload` returns at once and an idle smtpd of the old generation
# may still take the next connection with the old settings, which made a test
# that had just set a rate limit see it ignored.
postfix_reload() {
  local dir=$1 master old pid i
  master=$(postfix_master_pid "$dir")
  old=$(pgrep -P "$master" 2>/dev/null)
  postfix -c "$dir/etc" reload >/dev/null 2>&1 || return 1
  for pid in $old; do
    for i in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && { echo "postfix_reload: process $pid of $dir still runs" >&2; return 1; }
  done
  return 0
}

postfix_sendmail() {
  local dir=$1
  shift
  /usr/sbin/sendmail -C "$dir/etc" "$@"
}

# postfix_queue_count DIR: messages in the incoming, active and deferred queues.
postfix_queue_count() {
  local dir=$1 n=0 q
  for q in maildrop incoming active deferred hold; do
    [ -d "$dir/spool/$q" ] && n=$((n + $(find "$dir/spool/$q" -type f | wc -l)))
  done
  echo "$n"
}

# postfix_wait_empty DIR SECONDS: waits until nothing is queued any more.
postfix_wait_empty() {
  local dir=$1 limit=$2 i=0
  while [ "$(postfix_queue_count "$dir")" -gt 0 ]; do
    i=$((i + 1))
    [ "$i" -ge $((limit * 10)) ] && return 1
    sleep 0.1
  done
  return 0
}

postfix_log() { cat "$1/maillog"; }
