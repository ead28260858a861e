#!/usr/bin/env bash
# Appliance identity against the real uun-server (127.0.1.5) and uun-publish
# (issue 14). The attack: whoever polls an id first took its registry row,
# and with it the UUNs meant for the real appliance. Now a poll is signed by
# the appliance's own key (openssl plays the updater here), a row is bound
# to a key, and under registry.admission accept or secret a new key waits
# for the admin (uun-publish --pending, --accept, --reject, --forget); under
# certificate a certificate from the vendor's device CA for the poll's own key
# and id admits it (another id, another CA, expired, another key: it waits).
set -u
. "$(dirname "$0")/../lib/server_world.bash"

PUBLISH=$UUN_BUILD/server/publish/uun-publish
make_world 127.0.1.5
port=$(free_port 127.0.1.5)
client_ip=127.0.1.50
attacker_ip=127.0.1.66
mkdir -p "$work/keys" "$work/enroll"

# new_key NAME: an appliance's Ed25519 key and token.
new_key() {
  openssl genpkey -algorithm ed25519 -out "$work/keys/$1.pem" 2>/dev/null
  new_token >"$work/keys/$1.token"
}
key_b64() { openssl pkey -in "$work/keys/$1.pem" -pubout -outform DER | tail -c 32 | base64 -w0; }
fingerprint() {
  echo "SHA256:$(openssl pkey -in "$work/keys/$1.pem" -pubout -outform DER | tail -c 32 |
    openssl dgst -sha256 -binary | base64 -w0 | tr -d =)"
}
# signed KEY FROM PATH BODY [curl options...]: the request as the updater signs it.
signed() {
  local key=$1 from=$2 path=$3 body=$4
  shift 4
  printf 'uun-request-v1\n%s\n%s' "$path" "$body" >"$work/to-sign"
  local sig
  sig=$(openssl pkeyutl -sign -rawin -inkey "$work/keys/$key.pem" -in "$work/to-sign" | base64 -w0)
  client_ip=$from api -o "$work/answer" -w '%{http_code}' -H "X-UUN-Key: $(key_b64 "$key")" \
    -H "X-UUN-Signature: $sig" "$@" -d "$body" "$path"
}
# poll_as KEY ID FROM [curl options...]: a signed poll; prints the HTTP status.
poll_as() { signed "$1" "$3" /v1/poll "$(poll_body "$2" "$(cat "$work/keys/$1.token")" 0)" "${@:4}"; }
registered() { json_get "$work/answer" 'j["registered"]'; }
row_key() { sql "SELECT key FROM appliances WHERE id = '$1'"; }
publish() { "$PUBLISH" -c "$work/server.yaml" "$@" 2>&1; }
# config REGISTRY-YAML: server.yaml for both programs (uun-publish reads its publish section).
config() {
  write_config "$work/server.yaml" "registry: $1" \
    "publish: {key: $work/publisher.key, channels: [av], from: \"uun@vendor.test\", sender_domain: uun.vendor.test}" \
    "mta: {submit: sendmail, sendmail: [/bin/false], relay_map: $work/relay, postmap: [/bin/true]}"
}

echo "signature data" >"$work/av.bin"
seed av "$work/av.bin" >/dev/null
for k in real attacker other legacy; do new_key $k; done

# ---- the attack on the old code: first poll wins -----------------------------
config "{admission: accept}"
start_server "$work/server.yaml"
check_contains "the server names its admission policy at start" "$(cat "$work/server.log")" \
  "registry.admission accept: a new appliance"
check_eq "the attacker polls gw-0001 first: answered" "$(poll_as attacker gw-0001 $attacker_ip)" "200"
check_eq "  with its entries" "$(json_get "$work/answer" 'len(j["entries"])')" "1"
check_eq "  but not registered" "$(registered)" "false"
check_eq "  and no registry row is made (no UUN can go to it)" "$(sql "SELECT count(*) FROM appliances")" "0"
check_eq "the real gw-0001 polls" "$(poll_as real gw-0001 $client_ip)" "200"
check_eq "  and waits too" "$(registered)" "false"
check_contains "the server log says who waits and how to admit it" "$(cat "$work/server.log")" \
  "polls with key $(fingerprint real), which waits for admission (uun-publish --accept gw-0001)"

pending=$(publish --pending)
check_contains "--pending lists the real key" "$pending" "gw-0001  $(fingerprint real)"
check_contains "--pending lists the attacker's key and address" "$pending" "$(fingerprint attacker)  pending  $attacker_ip"
out=$(publish --accept gw-0001)
check_eq "--accept without --key when two keys wait: exit 3" "$?" "3"
check_contains "  says to name one" "$out" "has 2 pending keys; name the one to accept with --key"
out=$(publish --accept gw-0001 --key "$(fingerprint real)")
check_eq "--accept gw-0001 --key <real>: exit 0" "$?" "0"
check_contains "  says what it did" "$out" "appliance gw-0001 accepted with key $(fingerprint real) (at $client_ip)"
check_eq "the row is bound to the real key" "$(row_key gw-0001)" "$(key_b64 real)"
check_contains "--appliances shows the key" "$(publish --appliances)" "$(fingerprint real)  live"
out=$(publish --reject gw-0001 --key "$(fingerprint attacker)")
check_eq "--reject the attacker's key: exit 0" "$?" "0"
check_eq "the attacker's next poll: 403" "$(poll_as attacker gw-0001 $attacker_ip)" "403"
check_contains "  saying it was rejected" "$(cat "$work/answer")" "was rejected by the vendor"
check_eq "the real one polls: 200" "$(poll_as real gw-0001 $client_ip)" "200"
check_eq "  registered" "$(registered)" "true"
check_eq "  and its address is the row's" "$(sql "SELECT address FROM appliances WHERE id = 'gw-0001'")" "$client_ip"
check_contains "--pending shows the rejected key" "$(publish --pending)" "$(fingerprint attacker)  rejected"

# ---- a stolen id: another key never takes an admitted row --------------------
check_eq "another key polls gw-0001 from the attacker's address" "$(poll_as other gw-0001 $attacker_ip)" "200"
check_eq "  not registered" "$(registered)" "false"
check_eq "  and the row keeps the real address" \
  "$(sql "SELECT address FROM appliances WHERE id = 'gw-0001'")" "$client_ip"
body=$(poll_body gw-0001 "$(cat "$work/keys/real.token")" 0)
check_eq "an unsigned poll with the real token: 401" \
  "$(client_ip=$attacker_ip api -o "$work/answer" -w '%{http_code}' -d "$body" /v1/poll)" "401"
check_contains "  saying the row is bound to a key" "$(cat "$work/answer")" "is bound to a key"
printf 'uun-request-v1\n/v1/poll\n%s' "$body" >"$work/to-sign"
sig=$(openssl pkeyutl -sign -rawin -inkey "$work/keys/real.pem" -in "$work/to-sign" | base64 -w0)
forged=${body/uun@gw-0001.example.net/uun@attacker.example.net}
check_eq "the real key's signature on a body with another recipient: 401" \
  "$(client_ip=$attacker_ip api -o "$work/answer" -w '%{http_code}' -H "X-UUN-Key: $(key_b64 real)" \
    -H "X-UUN-Signature: $sig" -d "$forged" /v1/poll)" "401"
check_contains "  saying the signature does not verify" "$(cat "$work/answer")" "does not verify"

# ---- reports: only the row's key --------------------------------------------
report='{"id":"gw-0001","token":"'$(cat "$work/keys/real.token")'","seq":1,"status":"installed","detail":""}'
check_eq "a report signed by another key: 403" "$(signed other $attacker_ip /v1/report "$report")" "403"
check_eq "the real key's report: 200" "$(signed real $client_ip /v1/report "$report")" "200"

# ---- --forget --------------------------------------------------------------
out=$(publish --forget gw-0001)
check_eq "--forget gw-0001: exit 0" "$?" "0"
check_eq "  the row is gone" "$(sql "SELECT count(*) FROM appliances")" "0"
check_eq "  and its requests" "$(sql "SELECT count(*) FROM admission_requests")" "0"
out=$(publish --forget gw-0001)
check_eq "--forget of an unknown id: exit 3" "$?" "3"
check_contains "  saying so" "$out" "appliance gw-0001 is not in the registry"
out=$(publish --accept GW-1)
check_eq "--accept of a non-canonical id: exit 2" "$?" "2"
out=$(publish --list --key SHA256:x)
check_eq "--key without --accept or --reject: exit 2" "$?" "2"
stop_server

# ---- registry.admission secret ----------------------------------------------
printf 'mg-5000-enrollment-secret-0123456789\n' >"$work/enroll/mg-5000.secret"
chmod 600 "$work/enroll/mg-5000.secret"
config "{admission: secret, enrollment_dir: $work/enroll}"
start_server "$work/server.yaml"
check_eq "with the product line's secret: 200" \
  "$(poll_as real gw-0002 $client_ip -H 'X-UUN-Enrollment: mg-5000-enrollment-secret-0123456789')" "200"
check_eq "  registered at once" "$(registered)" "true"
check_eq "with a wrong secret: 200" \
  "$(poll_as attacker gw-0003 $attacker_ip -H 'X-UUN-Enrollment: mg-5000-enrollment-secret-012345678')" "200"
check_eq "  but waits for the admin" "$(registered)" "false"
check_eq "only gw-0002 has a row" "$(sql "SELECT group_concat(id) FROM appliances")" "gw-0002"
stop_server
chmod 644 "$work/enroll/mg-5000.secret"
out=$(timeout 20 "$SERVER" -c "$work/server.yaml" --foreground 2>&1)
check_eq "a secret file others can read: the server refuses to start" "$?" "1"
check_contains "  saying why" "$out" "must not be readable by others (chmod 640)"
write_config "$work/bad.yaml" "registry: {admission: maybe}"
out=$("$SERVER" -c "$work/bad.yaml" --print-config 2>&1)
check_eq "an unknown policy: exit 1" "$?" "1"
check_contains "  naming the choices" "$out" "'maybe' is not open, secret, certificate or accept"

# ---- open: rows made before keys move to the key of their token -------------
config "{admission: open}"
start_server "$work/server.yaml"
legacy_body=$(poll_body gw-old "$(cat "$work/keys/legacy.token")" 0)
check_eq "an old updater's unsigned poll still registers under open" \
  "$(api -o "$work/answer" -w '%{http_code}' -d "$legacy_body" /v1/poll)" "200"
check_eq "  bound by its token only" "$(row_key gw-old)" ""
check_eq "the same appliance's first signed poll (same token): 200" "$(poll_as legacy gw-old $client_ip)" "200"
check_eq "  moves the row to its key" "$(row_key gw-old)" "$(key_b64 legacy)"
check_eq "a guessed token with another key does not" "$(poll_as other gw-old $attacker_ip)" "200"
check_eq "  (the row keeps the first key)" "$(row_key gw-old)" "$(key_b64 legacy)"
stop_server

# ---- registry.admission certificate -----------------------------------------
# The vendor's device CA signs a certificate for each appliance's own key,
# subject CN = its id (openssl plays the factory).
ca=$work/device-ca
mkdir -p "$ca"
openssl genpkey -algorithm ed25519 -out "$ca/ca.key" 2>/dev/null
openssl req -x509 -new -key "$ca/ca.key" -subj "/CN=uun device CA" -days 365 -out "$ca/ca.pem" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$work/other-ca.key" 2>/dev/null
openssl req -x509 -new -key "$work/other-ca.key" -subj "/CN=someone else" -days 365 -out "$work/other-ca.pem" 2>/dev/null
# device_cert KEY CN OUT [CA-KEY CA-CERT] [faketime offset]: base64 DER of the certificate.
device_cert() {
  local key=$1 cn=$2 out=$3 cakey=${4:-$ca/ca.key} cacert=${5:-$ca/ca.pem} shift_time=${6:-+0}
  openssl req -new -key "$work/keys/$key.pem" -subj "/CN=$cn" -out "$work/$out.csr" 2>/dev/null
  faketime -f "$shift_time" openssl x509 -req -in "$work/$out.csr" -CA "$cacert" -CAkey "$cakey" -days 30 \
    -set_serial "$RANDOM" -out "$work/$out.crt" 2>/dev/null
  openssl x509 -in "$work/$out.crt" -outform DER | base64 -w0 >"$work/$out.b64"
}
for k in cert-a cert-b; do new_key $k; done
device_cert cert-a gw-c1 good
device_cert cert-a gw-other wrong-id
device_cert cert-a gw-c1 wrong-ca "$work/other-ca.key" "$work/other-ca.pem"
device_cert cert-a gw-c1 expired "$ca/ca.key" "$ca/ca.pem" -60d
config "{admission: certificate, device_ca: $ca/ca.pem}"
start_server "$work/server.yaml"
check_contains "the server names the certificate policy at start" "$(cat "$work/server.log")" \
  "registry.admission certificate: a new appliance with a certificate from registry.device_ca (1 CA)"
check_eq "a certificate from the device CA for another id: 200" \
  "$(poll_as cert-a gw-c1 $client_ip -H "X-UUN-Certificate: $(cat "$work/wrong-id.b64")")" "200"
check_eq "  but waits" "$(registered)" "false"
check_contains "  and the log says why" "$(cat "$work/server.log")" \
  "appliance gw-c1 is not admitted at once: the device certificate's subject CN is not the appliance id gw-c1"
check_eq "a certificate from another CA: waits" \
  "$(poll_as cert-a gw-c1 $client_ip -H "X-UUN-Certificate: $(cat "$work/wrong-ca.b64")") $(registered)" "200 false"
check_contains "  (does not verify)" "$(cat "$work/server.log")" "does not verify against registry.device_ca"
check_eq "an expired certificate: waits" \
  "$(poll_as cert-a gw-c1 $client_ip -H "X-UUN-Certificate: $(cat "$work/expired.b64")") $(registered)" "200 false"
check_contains "  (expired)" "$(cat "$work/server.log")" "certificate has expired"
check_eq "gw-c1's good certificate presented by another key (a stolen certificate): waits" \
  "$(poll_as cert-b gw-c1 $attacker_ip -H "X-UUN-Certificate: $(cat "$work/good.b64")") $(registered)" "200 false"
check_contains "  (another key)" "$(cat "$work/server.log")" "is for another key than the one that signed the poll"
check_eq "garbage in the header: waits" \
  "$(poll_as cert-a gw-c1 $client_ip -H "X-UUN-Certificate: not*base64") $(registered)" "200 false"
check_eq "no row for gw-c1 yet" "$(sql "SELECT count(*) FROM appliances WHERE id = 'gw-c1'")" "0"
check_eq "gw-c1 with its own certificate: registered at once" \
  "$(poll_as cert-a gw-c1 $client_ip -H "X-UUN-Certificate: $(cat "$work/good.b64")") $(registered)" "200 true"
check_eq "  the row is bound to the certified key" "$(row_key gw-c1)" "$(key_b64 cert-a)"
stop_server
write_config "$work/bad.yaml" "registry: {admission: certificate}"
out=$("$SERVER" -c "$work/bad.yaml" --print-config 2>&1)
check_eq "certificate without registry.device_ca: exit 1" "$?" "1"
check_contains "  saying what it needs" "$out" "certificate needs registry.device_ca"

summary
