#!/usr/bin/env bash
# `certpatch check R10 --bundle certifi.pem` against `openssl verify -no-CApath
# -no-CAstore -CAfile certifi.pem R10`, side by side in one hyperfine run; and the peak
# RSS of that `check` (target: 8 MiB). Target: check ≤ 0.15× openssl's time.
#
# Usage: bench/check-vs-openssl.sh     (RUNS=30 WARMUP=3 CERTPATCH=path NO_BUILD=1 KEEP=1)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
need_tool hyperfine hyperfine
need_tool openssl openssl
[[ -x /usr/bin/time ]] || need_tool /usr/bin/time time
build_release
make_work
cp "$fixtures/certifi-2026.10.19-cacert.pem" "$work/certifi.pem"
cp "$fixtures/le-r10.pem" "$work/r10.pem"
at=2026-06-01T00:00:00Z
check=("${sandbox[@]}" "$bin" check "$work/r10.pem" --bundle "$work/certifi.pem" --at "$at")
verify=(openssl verify -no-CApath -no-CAstore -attime "$(date -d "$at" +%s)"
    -CAfile "$work/certifi.pem" "$work/r10.pem")

# Both must succeed: certpatch accepts R10, openssl verifies it.
"${check[@]}" >/dev/null 2>&1 || { echo "error: certpatch check failed" >&2; exit 1; }
"${verify[@]}" >/dev/null || { echo "error: openssl verify failed" >&2; exit 1; }

q() { printf '%q ' "$@"; }
load_before=$(load_now)
hyperfine_pair certpatch-check "$(q "${check[@]}")" openssl-verify "$(q "${verify[@]}")"
load_after=$(load_now)

peak_kib() {
    /usr/bin/time -v -o "$work/time.txt" "${check[@]}" >/dev/null 2>&1
    awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$work/time.txt"
}
rss_kib=$(peak_kib)
for _ in 1 2 3 4; do # the smallest of five
    r=$(peak_kib)
    ((r < rss_kib)) && rss_kib=$r
done
rss_mib=$(awk -v k="$rss_kib" 'BEGIN {printf "%.1f", k / 1024}')

machine
echo "load average before/after the timed runs: $load_before / $load_after"
printf 'check R10 vs openssl verify: %s ms vs %s ms (medians of %d) -> ratio %s (target <= 0.15: %s); CPU time %s ms vs %s ms -> ratio %s\n' \
    "$(ms "$MED_A")" "$(ms "$MED_B")" "$RUNS" "$RATIO" "$(verdict "$RATIO" 0.15)" \
    "$(ms "$CPU_A")" "$(ms "$CPU_B")" "$CPU_RATIO"
printf 'check R10 peak RSS: %s MiB (target <= 8 MiB: %s)\n' "$rss_mib" \
    "$(awk -v m="$rss_mib" 'BEGIN {print (m <= 8) ? "met" : "NOT met"}')"
