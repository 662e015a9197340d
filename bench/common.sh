# Shared by the bench/ scripts (sourced, not run): the repository, the release build,
# hyperfine, a sandbox that keeps certpatch away from the machine's real Python, and the
# ratio helpers. Every number these scripts print is a ratio against a peer command
# timed in the same hyperfine run, with the load average beside it.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
bin=${CERTPATCH:-$repo/target/release/certpatch}
fixtures=$repo/fixtures/real
RUNS=${RUNS:-30}
WARMUP=${WARMUP:-3}

need_tool() { # need_tool COMMAND DEBIAN_PACKAGE
    command -v "$1" >/dev/null && return 0
    echo "installing $2 (for $1) ..." >&2
    local sudo=
    [[ $(id -u) -eq 0 ]] || sudo=sudo
    $sudo apt-get install -y "$2" >/dev/null 2>&1 || {
        $sudo apt-get update >/dev/null 2>&1
        $sudo apt-get install -y "$2" >/dev/null
    }
    command -v "$1" >/dev/null || { echo "error: could not install $2" >&2; exit 1; }
}

build_release() {
    if [[ -z ${CERTPATCH:-} && -z ${NO_BUILD:-} ]]; then
        echo "building: cargo build --release --locked" >&2
        (cd "$repo" && cargo build --release --locked --quiet)
    fi
    [[ -x $bin ]] || { echo "error: $bin is missing" >&2; exit 1; }
}

load_now() { cut -d' ' -f1-3 /proc/loadavg; }

machine() {
    local cpu
    cpu=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
    echo "machine: $(nproc) CPUs ($cpu), $(uname -sr), load average $(load_now)"
}

# A temporary folder with a sandboxed environment for certpatch: no real HOME, no
# pyenv, no CA variables, a fake host root.
make_work() {
    work=$(mktemp -d "${TMPDIR:-/tmp}/certpatch-bench.XXXXXX")
    if [[ ${KEEP:-} == 1 ]]; then
        trap 'echo "kept: $work" >&2' EXIT
    else
        trap 'rm -rf "$work"' EXIT
    fi
    trap 'exit 130' INT TERM
    mkdir -p "$work/home" "$work/state" "$work/hostroot"
    sandbox=(env -i PATH=/usr/bin:/bin HOME="$work/home" CERTPATCH_HOME="$work/state"
        CERTPATCH_HOST_ROOT="$work/hostroot" PYENV_ROOT=)
}

# hyperfine_pair NAME_A CMD_A NAME_B CMD_B [extra hyperfine options]: runs both in one
# hyperfine run (no shell, -N) and sets MEAN_/SD_/MED_/CPU_A and _B (seconds), RATIO (A/B
# of the wall-time medians) and CPU_RATIO (A/B of user + system time).
hyperfine_pair() {
    local na=$1 ca=$2 nb=$3 cb=$4
    shift 4
    local json=$work/hf.$$.json
    hyperfine --style basic -N --warmup "$WARMUP" --runs "$RUNS" "$@" \
        --export-json "$json" -n "$na" "$ca" -n "$nb" "$cb" >&2
    read -r MEAN_A SD_A MED_A CPU_A MEAN_B SD_B MED_B CPU_B < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(*(f"{v:.6f}" for x in r
        for v in (x["mean"], x["stddev"], x["median"], x["user"] + x["system"])))' "$json")
    RATIO=$(awk -v a="$MED_A" -v b="$MED_B" 'BEGIN {printf "%.3f", a / b}')
    # CPU time (user + system, means): less disturbed than wall time on a loaded machine.
    CPU_RATIO=$(awk -v a="$CPU_A" -v b="$CPU_B" 'BEGIN {printf "%.3f", a / b}')
}

ms() { awk -v s="$1" 'BEGIN {printf "%.1f", s * 1000}'; }

# verdict RATIO TARGET: "met" or "NOT met".
verdict() { awk -v r="$1" -v t="$2" 'BEGIN {print (r <= t) ? "met" : "NOT met"}'; }
