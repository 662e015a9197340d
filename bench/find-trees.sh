#!/usr/bin/env bash
# `certpatch find --root TREE --json` against `find TREE -name cacert.pem`, side by side in
# one hyperfine run, on two generated trees of N environments (default 400: a quarter
# each venvs, conda prefixes, pyenv versions and Windows-style installs):
#
#   realistic   each environment has a standard library (1,230 files) beside a
#               site-packages of 24 packages; target: certpatch <= 0.1x find's time
#   site-heavy  each environment is a site-packages of 60 flat packages of 15 files
#               (plus certifi and pip), nothing else; target: certpatch <= 0.3x
#
# Every tree holds real-size bundles (certifi's, pip's vendored copy, conda's
# ssl/cacert.pem, a package vendoring certifi under _vendor/, botocore's) and decoys
# (a lone certificate named cacert.pem at a package's top level, in a test folder and in
# the standard library). Before timing, the script checks that certpatch reports exactly
# the files `find` finds that hold two or more certificates, and none of the decoys.
#
# Usage: bench/find-trees.sh [N]   (RUNS=10 WARMUP=2 TREES="realistic site-heavy" KEEP=1)
set -euo pipefail
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
N=${1:-400}
[[ $N =~ ^[0-9]+$ && $N -ge 4 ]] || { echo "error: N must be an integer >= 4" >&2; exit 2; }
need_tool hyperfine hyperfine
build_release
make_work

certifi_pem=$fixtures/certifi-2026.10.19-cacert.pem
pip_pem=$fixtures/pip-vendored-cacert.pem
decoy_pem=$repo/fixtures/gen/test-root.pem

# flatpkg DIR: a flat package of 15 files.
flatpkg() {
    mkdir -p "$1"
    local f
    for f in __init__ core api util models errors compat config types helpers \
        constants _version main cli; do
        printf '# %s\n' "$f" >"$1/$f.py"
    done
    printf 'typed\n' >"$1/py.typed"
}

# mksite SP NPKG: a site-packages folder with NPKG flat packages (each with a
# .dist-info), certifi, pip with its vendored certifi, a package vendoring certifi,
# botocore, and two decoys.
mksite() {
    local sp=$1 n=$2 i
    mkdir -p "$sp"
    for ((i = 1; i <= n; i++)); do
        flatpkg "$sp/pkg$i"
        mkdir -p "$sp/pkg$i-1.0.dist-info"
        printf 'Name: pkg%d\n' "$i" >"$sp/pkg$i-1.0.dist-info/METADATA"
    done
    flatpkg "$sp/certifi"
    cp "$certifi_pem" "$sp/certifi/cacert.pem"
    flatpkg "$sp/pip"
    flatpkg "$sp/pip/_vendor/certifi"
    cp "$pip_pem" "$sp/pip/_vendor/certifi/cacert.pem"
    flatpkg "$sp/snowpack"
    flatpkg "$sp/snowpack/_vendor/certifi"
    cp "$certifi_pem" "$sp/snowpack/_vendor/certifi/cacert.pem"
    flatpkg "$sp/botocore"
    cp "$certifi_pem" "$sp/botocore/cacert.pem"
    cp "$decoy_pem" "$sp/pkg3/cacert.pem"
    mkdir -p "$sp/pkg7/tests/data"
    cp "$decoy_pem" "$sp/pkg7/tests/data/cacert.pem"
}

# mkstdlib DIR: 30 top-level modules and 40 packages of 30 files, one decoy in test/.
mkstdlib() {
    local d=$1 i j
    mkdir -p "$d"
    for ((i = 1; i <= 30; i++)); do printf '# m%d\n' "$i" >"$d/mod$i.py"; done
    for ((i = 1; i <= 40; i++)); do
        mkdir -p "$d/std$i/__pycache__"
        for ((j = 1; j <= 15; j++)); do
            printf '# %d\n' "$j" >"$d/std$i/m$j.py"
            printf 'x' >"$d/std$i/__pycache__/m$j.cpython-312.pyc"
        done
    done
    mkdir -p "$d/test/certdata"
    cp "$decoy_pem" "$d/test/certdata/cacert.pem"
}

exe() { mkdir -p "$(dirname "$1")"; printf '#!/bin/sh\nexit 1\n' >"$1"; chmod +x "$1"; }

# Templates of each kind, copied N/4 times each.
mktemplates() { # mktemplates DIR NPKG WITH_STDLIB
    local t=$1 n=$2 std=$3
    # venv (never has a standard library)
    mkdir -p "$t/venv"
    printf 'home = /usr/bin\nversion = 3.12.1\n' >"$t/venv/pyvenv.cfg"
    exe "$t/venv/bin/python3"
    mksite "$t/venv/lib/python3.12/site-packages" "$n"
    # conda prefix
    mkdir -p "$t/conda/conda-meta"
    printf '{}\n' >"$t/conda/conda-meta/history"
    exe "$t/conda/bin/python3"
    mkdir -p "$t/conda/ssl"
    cp "$certifi_pem" "$t/conda/ssl/cacert.pem"
    mksite "$t/conda/lib/python3.12/site-packages" "$n"
    # pyenv version (an install root)
    exe "$t/pyenv/bin/python3"
    exe "$t/pyenv/bin/python3.12"
    mksite "$t/pyenv/lib/python3.12/site-packages" "$n"
    # Windows-style install
    mkdir -p "$t/win"
    printf 'MZ' >"$t/win/python.exe"
    mksite "$t/win/Lib/site-packages" "$n"
    if [[ $std == 1 ]]; then
        mkstdlib "$t/conda/lib/python3.12"
        mkstdlib "$t/pyenv/lib/python3.12"
        mkstdlib "$t/win/Lib"
    fi
}

mktree() { # mktree NAME NPKG WITH_STDLIB
    local tree=$work/$1 t=$work/template-$1 i q=$((N / 4))
    mkdir -p "$t" "$tree/.pyenv/versions" "$tree/conda" "$tree/win"
    mktemplates "$t" "$2" "$3"
    for ((i = 1; i <= q; i++)); do
        mkdir -p "$tree/proj-$i/src"
        printf 'print(1)\n' >"$tree/proj-$i/src/app.py"
        cp -r "$t/venv" "$tree/proj-$i/.venv"
        cp -r "$t/conda" "$tree/conda/env$i"
        cp -r "$t/pyenv" "$tree/.pyenv/versions/3.12.$i"
        cp -r "$t/win" "$tree/win/Python3$i"
    done
    rm -rf "$t"
}

results=()
for kind in ${TREES:-realistic site-heavy}; do
    case $kind in
    realistic) npkg=20 std=1 target=0.1 ;;
    site-heavy) npkg=60 std=0 target=0.3 ;;
    *) echo "error: unknown tree $kind" >&2; exit 2 ;;
    esac
    echo "building the $kind tree ($N environments) ..." >&2
    mktree "$kind" "$npkg" "$std"
    tree=$work/$kind
    entries=$(find "$tree" | wc -l)

    # Correctness: the same bundles, no decoy.
    "${sandbox[@]}" "$bin" find --root "$tree" --json >"$work/cp.json"
    python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
for b in doc["bundles"]:
    print(b["path"])' "$work/cp.json" | sort >"$work/cp.paths"
    find "$tree" -name cacert.pem | sort >"$work/find.all"
    : >"$work/find.bundles"
    : >"$work/find.decoys"
    while IFS= read -r f; do
        if [[ $(grep -c -- '-----BEGIN CERTIFICATE-----' "$f") -ge 2 ]]; then
            echo "$f" >>"$work/find.bundles"
        else
            echo "$f" >>"$work/find.decoys"
        fi
    done <"$work/find.all"
    n_cp=$(wc -l <"$work/cp.paths")
    n_bundles=$(wc -l <"$work/find.bundles")
    n_decoys=$(wc -l <"$work/find.decoys")
    reported_decoys=$(comm -12 "$work/cp.paths" "$work/find.decoys" | wc -l)
    echo "$kind: $entries entries; find -name: $n_bundles bundles + $n_decoys decoys; certpatch: $n_cp bundles, $reported_decoys decoys" >&2
    if [[ $n_cp -ne $n_bundles || $reported_decoys -ne 0 ]] ||
        ! diff -q "$work/find.bundles" "$work/cp.paths" >/dev/null; then
        echo "MISMATCH on the $kind tree:" >&2
        diff "$work/find.bundles" "$work/cp.paths" | head -20 >&2
        exit 1
    fi

    q() { printf '%q ' "$@"; }
    load_before=$(load_now)
    hyperfine_pair certpatch-find "$(q "${sandbox[@]}" "$bin" find --root "$tree" --json)" \
        find-name "$(q find "$tree" -name cacert.pem)" --output=null
    load_after=$(load_now)
    results+=("$(printf '%s tree (%d envs, %d entries, %d bundles, %d decoys): certpatch %s ms vs find %s ms (medians of %d) -> ratio %s (target <= %s: %s); CPU time ratio %s; load %s / %s' \
        "$kind" "$N" "$entries" "$n_bundles" "$n_decoys" "$(ms "$MED_A")" "$(ms "$MED_B")" "$RUNS" \
        "$RATIO" "$target" "$(verdict "$RATIO" "$target")" "$CPU_RATIO" "$load_before" "$load_after")")
    rm -rf "$tree"
done

machine
printf '%s\n' "${results[@]}"
