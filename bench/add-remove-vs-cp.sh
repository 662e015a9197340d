#!/usr/bin/env bash
# `certpatch add R10` then `certpatch remove R10` on a 9 MB bundle (the real certifi
# bundle repeated), against `cp` of the same file, side by side in one hyperfine run.
# Target: add + remove <= 2x cp's time + 20 ms.
#
# Usage: bench/add-remove-vs-cp.sh     (RUNS=20 WARMUP=2 CERTPATCH=path NO_BUILD=1 KEEP=1)
set -euo pipefail
RUNS=${RUNS:-20}
WARMUP=${WARMUP:-2}
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
need_tool hyperfine hyperfine
build_release
make_work
src=$fixtures/certifi-2026.10.19-cacert.pem
while (($(stat -c %s "$work/big.pem" 2>/dev/null || echo 0) < 9 * 1024 * 1024)); do
    cat "$src" >>"$work/big.pem"
done
cp "$work/big.pem" "$work/bundle.pem"
cp "$fixtures/le-r10.pem" "$work/r10.pem"
at=2026-06-01T00:00:00Z
size=$(stat -c %s "$work/big.pem")

# One round must give the bundle back byte for byte.
cat >"$work/add-remove.sh" <<SH
#!/usr/bin/env bash
set -euo pipefail
$(printf '%q ' "${sandbox[@]}" "$bin") add $(printf '%q' "$work/r10.pem") --bundle $(printf '%q' "$work/bundle.pem") --at $at >/dev/null 2>&1
$(printf '%q ' "${sandbox[@]}" "$bin") remove --all --bundle $(printf '%q' "$work/bundle.pem") >/dev/null 2>&1
SH
chmod +x "$work/add-remove.sh"
"$work/add-remove.sh" || { echo "error: add + remove failed; run it by hand: $work/add-remove.sh" >&2; exit 1; }
cmp -s "$work/big.pem" "$work/bundle.pem" || { echo "error: add + remove did not give the bundle back" >&2; exit 1; }

load_before=$(load_now)
hyperfine_pair add+remove "$work/add-remove.sh" cp "cp $work/big.pem $work/copy.pem"
load_after=$(load_now)
cmp -s "$work/big.pem" "$work/bundle.pem" || { echo "error: the bundle changed" >&2; exit 1; }

limit=$(awk -v c="$MED_B" 'BEGIN {printf "%.6f", 2 * c + 0.020}')
# The add+remove side runs a bash script (two processes and a shell); its own cost is
# included, which only makes the target harder to meet.
machine
echo "load average before/after the timed runs: $load_before / $load_after"
printf 'add + remove on a %d-byte bundle: %s ms vs cp %s ms (medians of %d) -> ratio %s; target <= 2 x cp + 20 ms = %s ms: %s; CPU time %s ms vs %s ms\n' \
    "$size" "$(ms "$MED_A")" "$(ms "$MED_B")" "$RUNS" "$RATIO" "$(ms "$limit")" \
    "$(awk -v a="$MED_A" -v l="$limit" 'BEGIN {print (a <= l) ? "met" : "NOT met"}')" \
    "$(ms "$CPU_A")" "$(ms "$CPU_B")"

# The floor for anything that judges certificates against this bundle: reading every
# certificate in it. `openssl verify -CAfile` (what Python's ssl does to load a bundle)
# does that once; add + remove does it in two processes.
attime=$(date -d "$at" +%s)
RUNS=${FLOOR_RUNS:-5} hyperfine_pair add+remove "$work/add-remove.sh" openssl-load \
    "openssl verify -no-CApath -no-CAstore -attime $attime -CAfile $work/big.pem $work/r10.pem"
printf 'add + remove vs one `openssl verify -CAfile` of the same bundle: %s ms vs %s ms -> ratio %s; CPU time %s ms vs %s ms -> ratio %s\n' \
    "$(ms "$MED_A")" "$(ms "$MED_B")" "$RATIO" "$(ms "$CPU_A")" "$(ms "$CPU_B")" "$CPU_RATIO"
