#!/bin/sh
# The OpenSSL side of the snapshot measurement: every certificate of the snapshot is
# verified with `openssl verify -no-CApath -no-CAstore` against the bundle alone, then
# with the whole snapshot as -untrusted intermediates, at a fixed time (one openssl run
# each, over all files). Prints one line per certificate:
#   <n> <direct result> <with -untrusted result>
# where a result is `ok` or OpenSSL's first error number (20 = unable to get local
# issuer, 2 = unable to get issuer, 10 = expired, 18/19 = self-signed). Usage:
#   scripts/measure-openssl.sh SNAPSHOT.pem BUNDLE.pem EPOCH > out.txt
set -eu
SNAP=$1 BUNDLE=$2 AT=$3
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
awk -v d="$dir" '/-----BEGIN CERTIFICATE-----/{n++; f=sprintf("%s/c%05d.pem", d, n)} n{print > f} /-----END CERTIFICATE-----/{close(f)}' "$SNAP"
run() {
    # stdout: `file: OK`; stderr: `error N at D depth lookup: …` then
    # `error file: verification failed` (separate streams, so read separately).
    openssl verify -no-CApath -no-CAstore -attime "$AT" -CAfile "$BUNDLE" "$@" "$dir"/c*.pem \
        2>"$dir/err" | sed -n 's/: OK$/ ok/p' > "$dir/ok" || true
    awk '/^error [0-9]+ at/ {if (e == "") e=$2; next}
         /: verification failed/ {f=$2; sub(":$","",f); print f, e; e=""}' "$dir/err" > "$dir/bad"
    sort "$dir/ok" "$dir/bad"
}
run > "$dir/direct"
run -untrusted "$SNAP" > "$dir/untrusted"
join "$dir/direct" "$dir/untrusted" | sed "s|^$dir/c0*||; s|\.pem | |"
