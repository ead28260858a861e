# Sourced by test/package/*.sh: the machine's own Postfix (/etc/postfix and
# its queue), which only the package suite may touch. It is saved before the
# suite changes anything, listens on one 127.0.6.x address only (never on a
# wildcard address or 127.0.0.1:25: other suites run private Postfix
# instances on 127.0.x.y:25 at the same time), and is put back as it was.
#
#   system_postfix_save DIR          refuses (returns 1) when it is running
#   system_postfix_configure ADDR HOSTNAME MAILLOG [main.cf line...]
#   system_postfix_start             system_postfix_stop
#   system_postfix_restore           stop, put /etc/postfix back, remove what
#                                    Postfix left in its queue and data dirs
#   system_postfix_listing           what "as it was" compares
SYSTEM_POSTFIX_SAVED=""

system_postfix_listing() {
  find /etc/postfix /var/spool/postfix /var/lib/postfix -printf '%p\t%y\t%m\t%u\t%g\t%s\n' 2>/dev/null | sort
  find /etc/postfix -type f -exec sha256sum {} + 2>/dev/null | sort -k2
}

system_postfix_running() { postfix status >/dev/null 2>&1; }

system_postfix_save() {
  local dir=$1
  if system_postfix_running; then
    echo "system_postfix_save: the system Postfix is running; the package suite needs it stopped" >&2
    return 1
  fi
  tar -C / -cpf "$dir/etc-postfix.tar" etc/postfix || return 1
  system_postfix_listing >"$dir/system-postfix.before" || return 1
  SYSTEM_POSTFIX_SAVED=$dir
}

system_postfix_configure() {
  local addr=$1 host=$2 maillog=$3 line
  shift 3
  cp /usr/share/postfix/main.cf.debian /etc/postfix/main.cf || return 1
  for line in "myhostname = $host" "mydomain = ${host#*.}" 'mydestination = $myhostname, localhost' \
    "inet_interfaces = all" "inet_protocols = ipv4" "mynetworks = $addr/32" "relayhost =" \
    "alias_maps =" "alias_database =" "smtpd_peername_lookup = no" "smtp_dns_support_level = disabled" \
    "maillog_file_prefixes = /var, /tmp" "maillog_file = $maillog" "$@"; do
    postconf -e "$line" || { echo "system_postfix_configure: bad line: $line" >&2; return 1; }
  done
  # The one inet service names its address: inet_interfaces takes only
  # addresses of an interface, and 127.0.6.x is routed to lo without being one.
  sed -i "s/^smtp      inet  n       -       y       -       -       smtpd$/$addr:25 inet n - y - - smtpd/" \
    /etc/postfix/master.cf || return 1
  grep -q "^$addr:25 inet" /etc/postfix/master.cf || { echo "system_postfix_configure: no smtp line in master.cf" >&2; return 1; }
  if grep -E '^[^#[:space:]]+[[:space:]]+inet[[:space:]]' /etc/postfix/master.cf | grep -qv "^$addr:25 "; then
    echo "system_postfix_configure: master.cf has another inet service" >&2
    return 1
  fi
  : >"$maillog"
}

system_postfix_master_pid() {
  [ -f /var/spool/postfix/pid/master.pid ] && tr -dc '0-9' </var/spool/postfix/pid/master.pid
}

# (wait_for comes from test/lib/testlib.sh.)
system_postfix_start() {
  postfix start >/dev/null 2>&1 || { echo "system_postfix_start: postfix start failed" >&2; postfix check >&2; return 1; }
  wait_for 10 system_postfix_running || { echo "system_postfix_start: master did not come up" >&2; return 1; }
}

system_postfix_stop() {
  local pid
  system_postfix_running || return 0
  pid=$(system_postfix_master_pid)
  postfix stop >/dev/null 2>&1
  [ -z "$pid" ] || wait_for 10 sh -c "! kill -0 $pid" || {
    echo "system_postfix_stop: master $pid did not stop; killing it" >&2
    kill -9 "$pid" 2>/dev/null
  }
  return 0
}

system_postfix_restore() {
  local dir=$SYSTEM_POSTFIX_SAVED path
  [ -n "$dir" ] || return 0
  system_postfix_stop
  rm -rf /etc/postfix && tar -C / -xpf "$dir/etc-postfix.tar" || return 1
  # What Postfix made while it ran (pid files, sockets, its data files), deepest first.
  system_postfix_listing | cut -f1 | grep -E '^/var/(spool|lib)/postfix/' |
    grep -vxFf <(cut -f1 "$dir/system-postfix.before") | sort -r |
    while IFS= read -r path; do
      if [ -d "$path" ] && [ ! -L "$path" ]; then rmdir "$path"; else rm -f "$path"; fi
    done
  return 0
}
