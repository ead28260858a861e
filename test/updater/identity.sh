#!/usr/bin/env bash
# The real uun-updater's own key against the real uun-server (127.0.4.7) and
# uun-publish (issue 14): the key is made on the first start (0600) and
# every poll and report is signed with it; under registry.admission accept
# a new appliance keeps installing its entries but has no registry row (so
# no UUN) until the admin accepts the fingerprint --print-identity shows;
# another machine under the same id, even with a copy of the token, never
# takes the row; under secret the product line's enrollment secret admits
# it at once, and under certificate a device certificate for its own key.
# An appliance whose token row predates keys moves to its key.
# A damaged or exposed key stops the updater with what to do, untouched.
set -u
. "$(dirname "$0")/updater_world.bash"

updater_world 127.0.4.7 "registry: {admission: accept}"
printf 'av signatures, version 1\n' >"$work/av-1.db"
publish av "$work/av-1.db"
up() { "$PUBLISH" -c "$work/server.yaml" "$@" 2>&1; }
row() { sql "SELECT $2 FROM appliances WHERE id = '$1'"; }
key_of() { sed -n 's/^key //p' <<<"$("$UPDATER" -c "$(gw_dir "$1")/updater.yaml" --print-identity)"; }

# ---- a new appliance under accept: entries yes, a row (UUNs) no -----------------------
updater_config gw-new 127.0.4.71
run_once gw-new
check_eq "a new appliance's first --once: exit 0, seq 1 installed" "$once_rc $(installed_seq gw-new)" "0 1"
check_eq "  its key was made 0600 in state_dir" "$(stat -c %a "$(gw_dir gw-new)/state/identity.key")" "600"
check_contains "  the log says the server did not register it, and why" "$(cat "$(gw_dir gw-new)/once.log")" \
  "waits for the vendor's admission (uun-publish --accept)"
check_eq "  no registry row" "$(sql "SELECT count(*) FROM appliances WHERE id = 'gw-new'")" "0"
fpr=$(key_of gw-new)
check_contains "--print-identity prints the fingerprint" "$fpr" "SHA256:"
check_eq "  and prints the same key again" "$(key_of gw-new)" "$fpr"
check_contains "uun-publish --pending shows that fingerprint" "$(up --pending)" "gw-new  $fpr  pending  127.0.4.71"
check_eq "--print-identity names id and product" \
  "$("$UPDATER" -c "$(gw_dir gw-new)/updater.yaml" --print-identity | sed -n '1,2p' | tr '\n' ' ')" \
  "id gw-new product mg-5000 "

# ---- another machine with the same id (and a stolen token) ----------------------------
updater_config gw-twin 127.0.4.72 "appliance: {id: gw-new, product: mg-5000, version: 3.2.1}"
mkdir -p "$(gw_dir gw-twin)/state" && chmod 700 "$(gw_dir gw-twin)/state"
cp "$(gw_dir gw-new)/state/token" "$(gw_dir gw-twin)/state/token"
run_once gw-twin
check_eq "a twin polling as gw-new with the real token but its own key: exit 0" "$once_rc" "0"
check_contains "  two keys wait for gw-new" "$(up --pending)" "$(key_of gw-twin)  pending  127.0.4.72"
out=$(up --accept gw-new --key "$fpr")
check_eq "the admin accepts the fingerprint --print-identity showed: exit 0" "$?" "0"
run_once gw-new
check_eq "gw-new polls again: exit 0" "$once_rc" "0"
check "  now registered (no warning)" sh -c "! grep -q 'did not register' '$(gw_dir gw-new)/once.log'"
check_eq "  its row holds its address" "$(row gw-new address)" "127.0.4.71"
run_once gw-twin
check_contains "the twin polls again: not registered" "$(cat "$(gw_dir gw-twin)/once.log")" "did not register this poll"
check_eq "  and the row keeps gw-new's address" "$(row gw-new address)" "127.0.4.71"

# ---- reports are signed too ------------------------------------------------------------
printf 'av signatures, version 2\n' >"$work/av-2.db"
publish av "$work/av-2.db"
run_once gw-new
check_eq "seq 2 installs on the admitted gw-new" "$once_rc $(installed_seq gw-new)" "0 2"
check_eq "  and its signed report is recorded" "$(report_of gw-new 2)" "installed|"
check "  the twin's installs never show as gw-new's" sh -c "! grep -q 'report.*127.0.4.72' '$work/server.log'"

# ---- the key is never replaced behind the admin's back -----------------------------------
key=$(gw_dir gw-new)/state/identity.key
cp "$key" "$work/identity.key.good"
chmod 644 "$key"
run_once gw-new
check_eq "an identity.key others may read: exit 2" "$once_rc" "2"
check_contains "  says chmod 600" "$(cat "$(gw_dir gw-new)/once.log")" "(mode 644); chmod 600 it"
echo "garbage" >"$key" && chmod 600 "$key"
run_once gw-new
check_eq "a damaged identity.key: exit 2" "$once_rc" "2"
check_contains "  says restore it or have the vendor accept a new one" "$(cat "$(gw_dir gw-new)/once.log")" \
  "restore the file from a backup, or move it aside"
check_eq "  and leaves it as it was" "$(cat "$key")" "garbage"
cp "$work/identity.key.good" "$key" && chmod 600 "$key"

# ---- an updater from before keys keeps its row ---------------------------------------------
updater_config gw-old 127.0.4.73
mkdir -p "$(gw_dir gw-old)/state" && chmod 700 "$(gw_dir gw-old)/state"
head -c 32 /dev/urandom | basenc --base64url | tr -d '=' >"$(gw_dir gw-old)/state/token"
stop_server
write_server_yaml "$work/server.yaml"
start_server "$work/server.yaml"
body=$(poll_body gw-old "$(cat "$(gw_dir gw-old)/state/token")" 0)
check_eq "under open, an unsigned poll (an old updater) makes gw-old's row" \
  "$(client_ip=127.0.4.73 api -o /dev/null -w '%{http_code}' -d "$body" /v1/poll)" "200"
check_eq "  bound to no key" "$(row gw-old "coalesce(key, '')")" ""
stop_server
enroll=$work/enroll
mkdir -p "$enroll" && chmod 700 "$enroll"
printf 'mg-5000-enrollment-0123456789\n' >"$enroll/mg-5000.secret" && chmod 600 "$enroll/mg-5000.secret"
write_server_yaml "$work/server.yaml" "registry: {admission: secret, enrollment_dir: $enroll}"
start_server "$work/server.yaml"
run_once gw-old
check_eq "the upgraded updater (same token, now a key) polls under secret: exit 0" "$once_rc" "0"
check_eq "  the row moved to its key" "$(row gw-old "key IS NOT NULL")" "1"
check "  registered" sh -c "! grep -q 'did not register' '$(gw_dir gw-old)/once.log'"

# ---- the enrollment secret ------------------------------------------------------------------
cp "$enroll/mg-5000.secret" "$work/gw-sec.secret" && chmod 600 "$work/gw-sec.secret"
updater_config gw-sec 127.0.4.74 \
  "appliance: {id: gw-sec, product: mg-5000, version: 3.2.1, enrollment_secret_file: $work/gw-sec.secret}"
run_once gw-sec
check_eq "with the product line's secret: exit 0, seq 2 installed" "$once_rc $(installed_seq gw-sec)" "0 2"
check_eq "  admitted at once" "$(sql "SELECT count(*) FROM appliances WHERE id = 'gw-sec'")" "1"
check_contains "  --print-identity says a secret is set" \
  "$("$UPDATER" -c "$(gw_dir gw-sec)/updater.yaml" --print-identity)" "enrollment_secret set"
printf 'a-wrong-secret-of-enough-length\n' >"$work/gw-bad.secret" && chmod 600 "$work/gw-bad.secret"
updater_config gw-bad 127.0.4.75 \
  "appliance: {id: gw-bad, product: mg-5000, version: 3.2.1, enrollment_secret_file: $work/gw-bad.secret}"
run_once gw-bad
check_eq "with a wrong secret: entries still install (exit 0)" "$once_rc $(installed_seq gw-bad)" "0 2"
check_eq "  but no row" "$(sql "SELECT count(*) FROM appliances WHERE id = 'gw-bad'")" "0"
check_contains "  it waits for the admin instead" "$(up --pending)" "gw-bad  $(key_of gw-bad)  pending"
chmod 644 "$work/gw-sec.secret"
run_once gw-sec
check_eq "a secret file others may read: exit 2" "$once_rc" "2"
check_contains "  named by its config key" "$(cat "$(gw_dir gw-sec)/once.log")" \
  "appliance.enrollment_secret_file: $work/gw-sec.secret: readable or writable by group or others"

# ---- registry.admission certificate: the factory signs the appliance's own key -----------------
ca=$work/device-ca
mkdir -p "$ca"
openssl genpkey -algorithm ed25519 -out "$ca/ca.key" 2>/dev/null
openssl req -x509 -new -key "$ca/ca.key" -subj "/CN=uun device CA" -days 365 -out "$ca/ca.pem" 2>/dev/null
stop_server
write_server_yaml "$work/server.yaml" "registry: {admission: certificate, device_ca: $ca/ca.pem}"
start_server "$work/server.yaml"
updater_config gw-crt 127.0.4.76
"$UPDATER" -c "$(gw_dir gw-crt)/updater.yaml" --print-identity >/dev/null  # the key, made at the factory
openssl req -new -key "$(gw_dir gw-crt)/state/identity.key" -subj "/CN=gw-crt" -out "$work/gw-crt.csr" 2>/dev/null
openssl x509 -req -in "$work/gw-crt.csr" -CA "$ca/ca.pem" -CAkey "$ca/ca.key" -days 30 -set_serial 7 \
  -out "$work/gw-crt.pem" 2>/dev/null
updater_config gw-crt 127.0.4.76 \
  "appliance: {id: gw-crt, product: mg-5000, version: 3.2.1, certificate_file: $work/gw-crt.pem}"
run_once gw-crt
check_eq "with a device certificate for its own key: exit 0" "$once_rc" "0"
check_eq "  admitted at once" "$(sql "SELECT count(*) FROM appliances WHERE id = 'gw-crt'")" "1"
check_contains "  --print-identity names the certificate" \
  "$("$UPDATER" -c "$(gw_dir gw-crt)/updater.yaml" --print-identity)" "certificate $work/gw-crt.pem"
updater_config gw-crt2 127.0.4.77 \
  "appliance: {id: gw-crt2, product: mg-5000, version: 3.2.1, certificate_file: $work/gw-crt.pem}"
run_once gw-crt2
check_eq "another appliance configured with gw-crt's certificate: exit 2" "$once_rc" "2"
check_contains "  the updater says it is for another key" "$(cat "$(gw_dir gw-crt2)/once.log")" \
  "is for another key than state_dir/identity.key"
check_eq "  nothing reached the registry" "$(sql "SELECT count(*) FROM appliances WHERE id = 'gw-crt2'")" "0"

summary
