#!/usr/bin/env bash
# Side-by-side benchmark: `certpatch find --root TREE --json` against
# `find TREE -name cacert.pem`, on a fake tree of N projects, each with a venv
# holding a realistic site-packages (about 1,500 small files in nested packages)
# and real-size bundles (certifi's and pip's vendored copy).
#
# Usage:  bench/find-vs-find.sh [N]          (N defaults to 300)
# Environment:
#   ROUNDS=10        timed rounds per command (alternating certpatch / find)
#   CERTPATCH=...    the binary to time (default: target/release/certpatch)
#   KEEP=1           keep the tree afterwards (its path is printed)
#   NO_HYPERFINE=1   skip the hyperfine cross-check even when hyperfine is installed
#
# It builds the tree in a temporary folder, checks that certpatch reports exactly
# the bundles `find -name` finds (the decoys, single-certificate files named
# cacert.pem, excluded), times both commands warm (after a warm-up run of each),
# prints the medians and the ratio find-time / certpatch-time, and deletes the
# tree. It is not part of `cargo test`.
set -euo pipefail

N=${1:-${N:-300}}
ROUNDS=${ROUNDS:-10}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
bin=${CERTPATCH:-$repo/target/release/certpatch}
certifi_pem=$repo/fixtures/real/certifi-2026.10.19-cacert.pem
pip_pem=$repo/fixtures/real/pip-vendored-cacert.pem
decoy_pem=$repo/fixtures/gen/test-root.pem

if [[ ! -x $bin ]]; then
    echo "error: $bin is missing; run \`cargo build --release\` first (or set CERTPATCH)" >&2
    exit 1
fi
for f in "$certifi_pem" "$pip_pem" "$decoy_pem"; do
    [[ -f $f ]] || { echo "error: fixture $f is missing" >&2; exit 1; }
done
[[ $N =~ ^[0-9]+$ && $N -gt 0 ]] || { echo "error: N must be a positive integer" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/certpatch-bench.XXXXXX")
cleanup() {
    if [[ ${KEEP:-} == 1 ]]; then
        echo "kept: $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------
# The template environment.

# mkpkg DIR NSUB NMOD: a package with NSUB subpackages of NMOD modules each, and
# __pycache__ folders, like an installed wheel.
mkpkg() {
    local dir=$1 nsub=$2 nmod=$3 s m
    mkdir -p "$dir/__pycache__"
    printf '"""%s"""\n' "${dir##*/}" >"$dir/__init__.py"
    printf '# core\n' >"$dir/core.py"
    printf 'x' >"$dir/__pycache__/__init__.cpython-312.pyc"
    printf 'x' >"$dir/__pycache__/core.cpython-312.pyc"
    for ((s = 1; s <= nsub; s++)); do
        mkdir -p "$dir/sub$s/__pycache__"
        printf '' >"$dir/sub$s/__init__.py"
        printf 'x' >"$dir/sub$s/__pycache__/__init__.cpython-312.pyc"
        for ((m = 1; m <= nmod; m++)); do
            printf 'def f%d():\n    return %d\n' "$m" "$m" >"$dir/sub$s/mod$m.py"
            printf 'x' >"$dir/sub$s/__pycache__/mod$m.cpython-312.pyc"
        done
    done
}

# mkdistinfo SITE NAME VERSION
mkdistinfo() {
    local d=$1/$2-$3.dist-info f
    mkdir -p "$d"
    for f in METADATA RECORD WHEEL INSTALLER top_level.txt; do
        printf '%s %s\n' "$2" "$f" >"$d/$f"
    done
}

template=$work/template
site=$template/lib/python3.12/site-packages
mkdir -p "$template/bin" "$template/include" "$site"
printf 'home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.12.1\n' >"$template/pyvenv.cfg"
for exe in python python3 python3.12; do
    printf '#!/bin/sh\nexit 1\n' >"$template/bin/$exe"
    chmod +x "$template/bin/$exe"
done
for script in activate activate.csh activate.fish pip pip3; do
    printf '# %s\n' "$script" >"$template/bin/$script"
done

# 20 ordinary packages (about 65 files each).
for ((i = 1; i <= 20; i++)); do
    mkpkg "$site/pkg$i" 3 8
    mkdistinfo "$site" "pkg$i" "1.$i.0"
done
# certifi, with the real bundle.
mkdir -p "$site/certifi/__pycache__"
for f in __init__.py core.py __main__.py py.typed; do printf '# %s\n' "$f" >"$site/certifi/$f"; done
printf 'x' >"$site/certifi/__pycache__/core.cpython-312.pyc"
cp "$certifi_pem" "$site/certifi/cacert.pem"
mkdistinfo "$site" certifi 2026.10.19
# pip, with its internals, its vendored packages and the real vendored bundle.
mkpkg "$site/pip" 0 0
mkpkg "$site/pip/_internal" 4 10
mkdir -p "$site/pip/_vendor"
printf '' >"$site/pip/_vendor/__init__.py"
for v in requests urllib3 rich; do mkpkg "$site/pip/_vendor/$v" 1 10; done
mkdir -p "$site/pip/_vendor/certifi"
printf '# certifi\n' >"$site/pip/_vendor/certifi/__init__.py"
printf '# core\n' >"$site/pip/_vendor/certifi/core.py"
cp "$pip_pem" "$site/pip/_vendor/certifi/cacert.pem"
mkdistinfo "$site" pip 24.0
# Decoys: a lone test certificate named cacert.pem at a place certpatch probes
# (a package's top level) and deep in a test suite. Neither is a bundle.
cp "$decoy_pem" "$site/pkg3/cacert.pem"
mkdir -p "$site/pkg7/tests/data"
cp "$decoy_pem" "$site/pkg7/tests/data/cacert.pem"

env_files=$(find "$template" -type f | wc -l)
site_files=$(find "$site" -type f | wc -l)

# ---------------------------------------------------------------------------------
# The tree: N projects, each with a little source and a .venv copied (not linked)
# from the template.

tree=$work/tree
mkdir -p "$tree"
echo "building $N environments of $env_files files each ($site_files in site-packages) ..."
t0=$(date +%s)
for ((i = 1; i <= N; i++)); do
    p=$(printf '%s/proj-%04d' "$tree" "$i")
    mkdir -p "$p/src/app" "$p/tests"
    printf 'print("hi")\n' >"$p/src/app/__init__.py"
    printf 'def test(): pass\n' >"$p/tests/test_app.py"
    printf '[project]\nname = "p%d"\n' "$i" >"$p/pyproject.toml"
    cp -r "$template" "$p/.venv"
done
echo "built in $(($(date +%s) - t0)) s: $(find "$tree" | wc -l) entries, $(du -sh "$tree" | cut -f1)"

# ---------------------------------------------------------------------------------
# Correctness: the same bundles.

state=$work/state
mkdir -p "$state" "$work/home" "$work/hostroot" "$work/bin"
run_certpatch() {
    env -i PATH="$work/bin" HOME="$work/home" CERTPATCH_HOME="$state" \
        CERTPATCH_HOST_ROOT="$work/hostroot" "$bin" find --root "$tree" --json
}
run_find() {
    find "$tree" -name cacert.pem
}

run_certpatch >"$work/certpatch.json"
grep -o '"path": "[^"]*"' "$work/certpatch.json" | sed 's/^"path": "//; s/"$//' | sort >"$work/certpatch.paths"
run_find | sort >"$work/find.all"
: >"$work/find.bundles"
: >"$work/find.decoys"
while IFS= read -r f; do
    if [[ $(grep -c -- '-----BEGIN CERTIFICATE-----' "$f") -ge 2 ]]; then
        echo "$f" >>"$work/find.bundles"
    else
        echo "$f" >>"$work/find.decoys"
    fi
done <"$work/find.all"

n_cp=$(wc -l <"$work/certpatch.paths")
n_find=$(wc -l <"$work/find.all")
n_bundles=$(wc -l <"$work/find.bundles")
n_decoys=$(wc -l <"$work/find.decoys")
n_certifi=$(grep -c '"kind": "certifi"' "$work/certpatch.json" || true)
n_pip=$(grep -c '"kind": "pip-vendored"' "$work/certpatch.json" || true)
echo "find -name cacert.pem: $n_find files = $n_bundles bundles + $n_decoys decoys (one certificate each)"
echo "certpatch find:        $n_cp bundles ($n_certifi certifi, $n_pip pip-vendored)"
ok=1
if ! diff -u "$work/find.bundles" "$work/certpatch.paths" >"$work/paths.diff"; then
    echo "MISMATCH: certpatch and find -name disagree on the bundles:" >&2
    head -20 "$work/paths.diff" >&2
    ok=0
fi
if [[ $n_certifi -ne $N || $n_pip -ne $N ]]; then
    echo "MISMATCH: expected $N certifi and $N pip-vendored bundles" >&2
    ok=0
fi

# ---------------------------------------------------------------------------------
# Timing, warm cache: one warm-up run each, then ROUNDS rounds alternating.

now_us() { echo $(($(date +%s%N) / 1000)); }
time_us() {
    local t0 t1
    t0=$(now_us)
    "$@" >/dev/null 2>&1
    t1=$(now_us)
    echo $((t1 - t0))
}
median() { sort -n | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
ms() { awk -v us="$1" 'BEGIN {printf "%.1f", us / 1000}'; }

run_certpatch >/dev/null
run_find >/dev/null
: >"$work/t.certpatch"
: >"$work/t.find"
for ((r = 1; r <= ROUNDS; r++)); do
    if ((r % 2)); then
        time_us run_certpatch >>"$work/t.certpatch"
        time_us run_find >>"$work/t.find"
    else
        time_us run_find >>"$work/t.find"
        time_us run_certpatch >>"$work/t.certpatch"
    fi
done
cp_med=$(median <"$work/t.certpatch")
find_med=$(median <"$work/t.find")
cp_min=$(sort -n "$work/t.certpatch" | head -1)
find_min=$(sort -n "$work/t.find" | head -1)
ratio=$(awk -v f="$find_med" -v c="$cp_med" 'BEGIN {printf "%.1f", f / c}')

echo
echo "warm cache, $ROUNDS alternating rounds, $N environments:"
printf '  %-44s median %9s ms   min %9s ms\n' \
    "certpatch find --root TREE --json" "$(ms "$cp_med")" "$(ms "$cp_min")" \
    "find TREE -name cacert.pem" "$(ms "$find_med")" "$(ms "$find_min")"
echo "  ratio find / certpatch (medians): ${ratio}x"

# A cross-check with hyperfine, when installed (it runs each command's rounds in a
# block rather than alternating).
if [[ ${NO_HYPERFINE:-} != 1 ]] && command -v hyperfine >/dev/null; then
    echo
    export -f run_certpatch run_find
    export bin tree state work
    hyperfine --style basic --shell bash --warmup 2 --runs "$ROUNDS" \
        --export-json "$work/hyperfine.json" \
        -n certpatch run_certpatch -n find run_find 2>&1 | grep -v '^ *$' || true
fi

echo
echo "machine: $(nproc) CPUs, $(uname -sr), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
if [[ $ok != 1 ]]; then
    echo "FAILED: the bundle lists differ" >&2
    exit 1
fi
echo "ok: certpatch reported every bundle find -name found ($n_bundles), and no decoy"
