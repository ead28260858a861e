#!/usr/bin/env bash
# make_ca.sh DIR NAME [SAN...]: a throw-away CA (DIR/ca.pem) and a server
# certificate for NAME (DIR/NAME.crt, DIR/NAME.key) signed by it, ECDSA P-256.
# SANs look like DNS:localhost or IP:127.0.1.1; NAME itself is always a DNS SAN.
# Used by tests, the demo and benchmarks; nothing here is for production.
set -euo pipefail
dir=$1 name=$2
shift 2
mkdir -p "$dir"
cd "$dir"
if [ ! -f ca.pem ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=uun test CA" -keyout ca.key -out ca.pem \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi
san="DNS:$name"
for s in "$@"; do san="$san,$s"; done
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$name" \
  -keyout "$name.key" -out "$name.csr" 2>/dev/null
printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$san" > "$name.ext"
openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
  -extfile "$name.ext" -out "$name.crt" 2>/dev/null
rm -f "$name.csr" "$name.ext"
chmod 600 "$name.key" ca.key
