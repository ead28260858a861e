# Sourced by scripts/test, scripts/demo and bench/run: installs the Debian
# packages uun needs when they are missing. Non-interactive; needs root only
# when something is actually missing.

# What builds uun, and the real peers its tests and demo talk to.
UUN_BUILD_PACKAGES=(
  g++ meson ninja-build pkg-config
  libmilter-dev libboost-dev libboost-program-options-dev libcurl4-openssl-dev
  libssl-dev libyaml-cpp-dev nlohmann-json3-dev libsqlite3-dev libsystemd-dev doctest-dev
)
UUN_PEER_PACKAGES=(
  postfix swaks miltertest curl openssl sqlite3 procps iproute2 python3 lua5.3
  faketime  # e2e/trust_model: a frozen uun-server (libfaketime), its clock two hours behind
  openssh-server  # integration/publish_remote: a private sshd is the admin host's way to the server host
  jq  # admin/first_hour: reads uun-publish --json the way a script would
  tinyproxy  # updater/proxy: the HTTP proxy an appliance reaches uun-server through (its service never started)
)
# e2e/sendmail: the libraries the unpacked (never installed) Sendmail needs;
# none conflicts with Postfix. The sendmail packages themselves are only downloaded.
UUN_SENDMAIL_PACKAGES=(m4 libdb5.3 libldap-2.5-0 liblockfile1 libnsl2 libsasl2-2 libssl3 libwrap0)
# bench/run: the anchors the benchmarks compare with (OpenDKIM, nginx), the
# load generator (wrk) and the profilers. The smoke run (scripts/test) needs
# only the first three. Their services are not started on install (see
# uun_ensure_packages): Debian's nginx would listen on port 80 of every address.
UUN_BENCH_SMOKE_PACKAGES=(opendkim nginx-light wrk)
UUN_BENCH_PACKAGES=("${UUN_BENCH_SMOKE_PACKAGES[@]}" opendkim-tools valgrind linux-perf)
# test/layout/tree.sh: the tree checks read git ls-files and the markdown.
UUN_LAYOUT_PACKAGES=(python3 git universal-ctags)
# scripts/fuzz and the fuzz/smoke suite: libFuzzer with ASan and UBSan. Debian
# 12's clang 14 and 16 lack the C++20 concepts level libstdc++ 12's
# <expected> needs (__cpp_concepts 202002L); clang 19 has it.
UUN_FUZZ_PACKAGES=(clang-19 libclang-rt-19-dev)
# What builds and checks the Debian packages (packaging/deb, test/package).
UUN_PACKAGING_PACKAGES=(
  debhelper dpkg-dev fakeroot lintian man-db
)

uun_missing_packages() {
  local p missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  echo "${missing[@]}"
}

uun_ensure_packages() {
  local missing
  missing=$(uun_missing_packages "$@")
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "uun: these Debian packages are missing: $missing" >&2
    echo "uun: run as root, or: sudo apt-get install -y $missing" >&2
    return 1
  fi
  echo "uun: installing $missing"
  export DEBIAN_FRONTEND=noninteractive
  # Debian's postfix asks how to configure itself; uun runs private instances.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  local log=/tmp/uun-apt.log rc=0 made_policy=""
  # Packages with daemons (nginx, opendkim) must not start them: a policy-rc.d
  # that says "no" (exit 101), unless the machine already has one.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
  fi
  apt-get -o DPkg::Lock::Timeout=900 update -q >"$log" 2>&1 || { cat "$log" >&2; echo "uun: apt-get update failed" >&2; rc=1; }
  # shellcheck disable=SC2086
  [ "$rc" -eq 0 ] && { apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends $missing >>"$log" 2>&1 || {
    tail -20 "$log" >&2
    echo "uun: apt-get install failed for: $missing (log: $log)" >&2
    rc=1
  }; }
  [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
  return "$rc"
}
