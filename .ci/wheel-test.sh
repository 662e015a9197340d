#!/usr/bin/env bash
# The Python package, end to end, as a user gets it:
#  1. build the wheel with maturin from the package index (in a venv of its own);
#  2. check the wheel: version from Cargo.toml, `certpatch` its only script, no Python code;
#  3. install it into a fresh venv, as `pipx install` / `uv tool install` do, and run the
#     installed `certpatch --version` and a `check` of a real intermediate (Let's Encrypt
#     R10) against the real certifi bundle;
#  4. a second venv, the "user's project" (real certifi from the index), is the default
#     target when the tool's `certpatch` runs with that project's VIRTUAL_ENV — and also
#     when it runs as `uvx` runs it (its bin/ first on PATH, VIRTUAL_ENV naming the tool);
#     `find` leaves the tool's venv out unless asked.
#
# Every certpatch run has a temporary CERTPATCH_HOME, a fake HOME and host root, and none of
# the variables that point Python at another bundle; it never writes a bundle (`check`,
# `list` and `find` only read). pip keeps the machine's CA settings to reach the index.
#
# Needs: cargo, python3 with venv, access to the package index. Time: the release build
# (shared with `.ci/run`'s through CARGO_TARGET_DIR) plus about a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

work=$(mktemp -d "${TMPDIR:-/tmp}/certpatch-wheel-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
say() { printf 'wheel-test: %s\n' "$*"; }
fail() { printf 'wheel-test: FAILED: %s\n' "$*" >&2; exit 1; }

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
[ -n "$version" ] || fail "no version in Cargo.toml"

# 1. maturin from the package index.
say "installing maturin from the package index"
python3 -m venv "$work/maturin"
"$work/maturin/bin/pip" install -q --disable-pip-version-check 'maturin>=1.9,<2'
say "$("$work/maturin/bin/maturin" --version)"
say "building the wheel (release)"
"$work/maturin/bin/maturin" build --release --out "$work/dist" >"$work/maturin.log" 2>&1 ||
  { cat "$work/maturin.log" >&2; fail "maturin build"; }
shopt -s nullglob
wheels=("$work"/dist/*.whl)
[ "${#wheels[@]}" -eq 1 ] || fail "expected one wheel, got: ${wheels[*]:-none}"
wheel=${wheels[0]}
say "built $(basename "$wheel")"

# 2. What the wheel holds.
python3 - "$wheel" "$version" <<'EOF'
import sys, zipfile
wheel, version = sys.argv[1], sys.argv[2]
names = zipfile.ZipFile(wheel).namelist()
dist_info = f"certpatch-{version}.dist-info/"
meta = zipfile.ZipFile(wheel).read(dist_info + "METADATA").decode()
fields = {}
for line in meta.split("\n\n", 1)[0].splitlines():
    key, _, value = line.partition(": ")
    fields.setdefault(key, []).append(value)
assert fields["Name"] == ["certpatch"], fields["Name"]
assert fields["Version"] == [version], (fields["Version"], version)
assert fields.get("License-Expression") == ["MIT OR Apache-2.0"], fields.get("License-Expression")
assert fields.get("Requires-Python"), "no Requires-Python"
assert "# certpatch" in meta, "the README is not the long description"
scripts = [n for n in names if ".data/scripts/" in n]
assert scripts == [f"certpatch-{version}.data/scripts/certpatch"], scripts
code = [n for n in names if n.endswith((".py", ".so", ".pyd"))]
assert not code, f"the wheel holds Python code or extensions: {code}"
entry_points = [n for n in names if n.endswith("entry_points.txt")]
assert not entry_points, entry_points
print(f"wheel-test: the wheel holds {len(names)} files; its only script is certpatch")
EOF

# 3. Installed into a fresh venv, as a tool.
say "installing the wheel into a fresh tool venv"
python3 -m venv "$work/tool"
"$work/tool/bin/pip" install -q --disable-pip-version-check --no-index "$wheel"
tool_cp="$work/tool/bin/certpatch"
[ -x "$tool_cp" ] || fail "the wheel did not install bin/certpatch"
# OpenSSL is compiled in (feature vendored-openssl): the installed binary links no libssl.
if command -v ldd >/dev/null 2>&1 && ldd "$tool_cp" | grep -Eq 'lib(ssl|crypto)\.so'; then
  ldd "$tool_cp" >&2
  fail "the wheel's certpatch links the system's OpenSSL"
fi

mkdir -p "$work/home" "$work/user" "$work/host" "$work/empty-bin"
# certpatch with nothing from this machine that could name a bundle or an environment.
cp_run() {
  env -u REQUESTS_CA_BUNDLE -u SSL_CERT_FILE -u SSL_CERT_DIR -u CURL_CA_BUNDLE -u PIP_CERT \
    -u VIRTUAL_ENV -u CONDA_PREFIX -u CONDA_EXE -u PIPX_HOME -u UV_TOOL_DIR -u XDG_DATA_HOME \
    -u WORKON_HOME -u NO_COLOR \
    CERTPATCH_HOME="$work/home" HOME="$work/user" CERTPATCH_HOST_ROOT="$work/host" \
    PYENV_ROOT="$work/no-pyenv" "$@"
}
json_get() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

out=$(cp_run PATH="$work/empty-bin" "$tool_cp" --version)
say "installed: $out"
case "$out" in
  "certpatch $version" | "certpatch $version (git "*")") ;;
  *) fail "--version printed '$out', expected 'certpatch $version[ (git REV)]'" ;;
esac

cp "fixtures/real/certifi-2026.10.19-cacert.pem" "$work/cacert.pem"
before=$(sha256sum "$work/cacert.pem")
doc=$(cp_run PATH="$work/empty-bin" "$tool_cp" check fixtures/real/le-r10.pem \
  --bundle "$work/cacert.pem" --at 2026-06-01T00:00:00Z --json) ||
  fail "check of le-r10.pem against the real certifi bundle exited $?: $doc"
[ "$(json_get 'd["ok"]' <<<"$doc")" = True ] || fail "check --json is not ok: $doc"
[ "$(sha256sum "$work/cacert.pem")" = "$before" ] || fail "check changed the bundle"
say "installed certpatch: check of the real R10 against the real certifi bundle passes"

# 4. The user's project: a second venv with the real certifi.
say "making the user's project venv (certifi from the package index)"
mkdir -p "$work/proj"
python3 -m venv "$work/proj/.venv"
"$work/proj/.venv/bin/pip" install -q --disable-pip-version-check certifi
project=$(cd "$work/proj/.venv" && pwd -P)
tool=$(cd "$work/tool" && pwd -P)

# Sorted "kind path" lines of the targets of `list --json`, and the same from the
# project's own interpreter (where its certifi and pip's copy really are).
targets() { json_get '"\n".join(sorted(b["target"]["kind"] + " " + b["target"]["path"] if isinstance(b.get("target"), dict) else b["kind"] + " " + b["path"] for b in d["bundles"]))'; }
expected=$(env -u REQUESTS_CA_BUNDLE -u SSL_CERT_FILE "$project/bin/python" -I -c '
import os, certifi
from pip._vendor import certifi as p
print("\n".join(sorted(["certifi " + os.path.realpath(certifi.where()),
                        "pip-vendored " + os.path.realpath(p.where())])))')

got=$(cp_run PATH="$work/empty-bin" VIRTUAL_ENV="$project" "$tool_cp" list --json | targets)
[ "$got" = "$expected" ] ||
  fail "with the project's VIRTUAL_ENV, the tool's targets are:
$got
expected the project's:
$expected"
say "tool certpatch + project's VIRTUAL_ENV: targets are the project's bundles"

# As uvx runs a tool: its bin/ first on PATH and VIRTUAL_ENV naming the tool's venv, run
# in the project's folder. Through a link, as pipx and uv put it on PATH.
ln -s "$tool_cp" "$work/empty-bin/certpatch"
got=$(cd "$work/proj" && cp_run PATH="$tool/bin:$work/empty-bin" VIRTUAL_ENV="$tool" \
  "$work/empty-bin/certpatch" list --json 2>"$work/stderr" | targets)
[ "$got" = "$expected" ] ||
  fail "run as uvx runs it, the tool's targets are:
$got
expected the project's:
$expected
$(cat "$work/stderr")"
grep -q "certpatch's own environment" "$work/stderr" ||
  fail "no note that the tool's own venv was passed over: $(cat "$work/stderr")"
say "tool certpatch run as uvx runs it: the tool's venv is passed over for the project's .venv"

# find, with the tool and the project both in a uv tool folder: the tool is left out.
doc=$(cp_run PATH="$work/empty-bin" UV_TOOL_DIR="$work" "$tool_cp" find --json)
envs=$(json_get '"\n".join(sorted(set(str(b["environment"]) for b in d["bundles"])))' <<<"$doc")
grep -qxF "$tool" <<<"$envs" && fail "find listed the tool's own venv: $envs"
json_get 'd["notes"]' <<<"$doc" | grep -q "certpatch's own environment" ||
  fail "find did not say it left the tool's venv out: $doc"
doc=$(cp_run PATH="$work/empty-bin" "$tool_cp" find --json --root "$tool")
envs=$(json_get '"\n".join(sorted(set(str(b["environment"]) for b in d["bundles"])))' <<<"$doc")
grep -qxF "$tool" <<<"$envs" || fail "find --root TOOL did not list the tool's venv: $doc"
say "find from the tool leaves its own venv out, and lists it under --root"
say "ok"
