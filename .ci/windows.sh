#!/usr/bin/env bash
# Windows, built and tested on this Linux machine: certpatch.exe for x86_64-pc-windows-gnu,
# built with Debian's packages (and maturin from PyPI) into the Windows wheel, and its unit
# and CLI tests run under Wine.
#   - Debian's rustc-web 1.96 + cargo-web + rust-web-src: the standard library is rebuilt
#     for the target with -Zbuild-std (RUSTC_BOOTSTRAP=1), since rustup cannot download
#     targets here; gcc-mingw-w64 links (and compiles ring's C and assembly).
#   - Wine 8.0 runs the .exe and the test binaries (cargo's runner). Wine 8.0 lacks
#     bcryptprimitives.dll (Rust's std imports ProcessPrng from it), so a 10-line stand-in
#     (.ci/windows/bcryptprimitives.c) goes into the Wine prefix.
#   - The release build is the wheel's: maturin (PyPI, `maturin>=1.9,<2` as in
#     wheel-test.sh, in a venv of its own in $WIN) builds the win_amd64 wheel with the same
#     toolchain and target dir, and the certpatch.exe taken out of that wheel is the one run
#     under Wine (`--version`, and a `check` of a real intermediate against a real certifi
#     bundle). One release build, not two: a `cargo build --release` beside it would cost
#     60-100 s more (features and strip differ, so certpatch is compiled again).
# Idempotent: packages are installed only when missing (as root, from Debian's registry),
# maturin only when its venv lacks one that fits; the Wine prefix, the stand-in DLL, the
# env file, maturin's venv and the wheel (dist/, emptied first) live in $WIN (default
# target/windows-toolchain), the build in target/windows. Everything runs in a subshell
# with Debian's toolchain first on PATH, so the rustup toolchain of the Linux part is
# untouched.
# Which tests: `--no-default-features --features no-root-tests` — the tests that need a
# Python, PyPI or root are Linux's (no Windows CPython here; Wine has no other users); the
# ones that need Unix-only behaviour are gated by cfg(unix) with the reason beside them.
# Time on the 2-core machine, packages installed, other sessions' builds beside it
# (2026-12-06): from nothing in target/ 1059 s (wheel and its checks 302 s, tests 757 s;
# before the wheel, the same way: 1022 s, 343 + 679 s); after a one-file change 754 s.
# In a full `.ci/run` from a fresh clone, nothing beside it: 792 s (README, "Platforms").
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
WIN=${WIN:-$root/target/windows-toolchain}
TARGET=x86_64-pc-windows-gnu
say() { printf 'windows: %s\n' "$*"; }
fail() { printf 'windows: FAILED: %s\n' "$*" >&2; exit 1; }
start=$(date +%s)

# shellcheck source=.ci/debian-toolchain.sh
. .ci/debian-toolchain.sh
ensure_debian_toolchain gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 wine wine64 python3-venv
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
[ -n "$version" ] || fail "no version in Cargo.toml"

mkdir -p "$WIN"
cat >"$WIN/env.sh" <<ENV
# Debian's rustc-web toolchain ahead of rustup's proxies, Windows GNU cross settings, Wine.
export PATH=/usr/bin:/bin:/usr/sbin:/sbin
export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc CARGO=/usr/bin/cargo
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine
export CC_x86_64_pc_windows_gnu=x86_64-w64-mingw32-gcc AR_x86_64_pc_windows_gnu=x86_64-w64-mingw32-ar
export WINEDEBUG=-all WINEPREFIX=$WIN/prefix WINEDLLOVERRIDES="mscoree,mshtml="
export CARGO_TARGET_DIR=$root/target/windows
ENV

(
  # shellcheck disable=SC1091
  . "$WIN/env.sh"
  if [ ! -f "$WINEPREFIX/system.reg" ]; then
    say "creating the Wine prefix $WINEPREFIX"
    wine wineboot -i >/dev/null 2>&1 || true
    wineserver -w || true
  fi
  dll="$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
  if [ ! -f "$dll" ]; then
    x86_64-w64-mingw32-gcc -O2 -shared -s -o "$WIN/bcryptprimitives.dll" \
      .ci/windows/bcryptprimitives.c .ci/windows/bcryptprimitives.def -lbcrypt
    cp "$WIN/bcryptprimitives.dll" "$dll"
  fi
  say "$(rustc --version), $(wine --version)"
  # maturin from PyPI, in a venv of its own (pip leaves a fitting one as it is).
  [ -x "$WIN/maturin/bin/python" ] || /usr/bin/python3 -m venv "$WIN/maturin" ||
    fail "python3 -m venv (python3-venv) could not make maturin's venv"
  "$WIN/maturin/bin/pip" install -q --disable-pip-version-check 'maturin>=1.9,<2' ||
    fail "pip could not install maturin from the package index"
  say "$("$WIN/maturin/bin/maturin" --version)"
  build=(-Zbuild-std=std,panic_abort --target "$TARGET" --locked)
  # The release build: the wheel, as pyproject.toml sets it (bin bindings, locked, strip,
  # its features). maturin runs Debian's cargo (first on PATH) with CARGO_TARGET_DIR and
  # passes -Z through. Warnings in certpatch's own code fail the build, as clippy's
  # -D warnings does on Linux (RUSTFLAGS would rebuild the standard library with them);
  # cargo prints them, and replays them when nothing is rebuilt.
  rm -rf "$WIN/dist"
  "$WIN/maturin/bin/maturin" build --release "${build[@]}" --out "$WIN/dist" 2>&1 |
    tee "$WIN/build.log" || fail "maturin build (above)"
  if grep -q '^warning: `certpatch`' "$WIN/build.log"; then
    fail "the Windows build has warnings (above)"
  fi
  shopt -s nullglob
  wheels=("$WIN"/dist/*.whl)
  [ "${#wheels[@]}" -eq 1 ] || fail "expected one wheel, got: ${wheels[*]:-none}"
  wheel=${wheels[0]}
  say "built $(basename "$wheel") ($(stat -c %s "$wheel") bytes)"

  # What the wheel holds: tagged for 64-bit Windows, Cargo.toml's version, certpatch.exe
  # its only script, no Python code or DLLs. The exe is taken out of it to be run.
  rm -rf "$WIN/wheel"
  python3 - "$wheel" "$version" "$WIN/wheel" <<'EOF' || fail "the wheel's contents (above)"
import os, sys, zipfile
wheel, version, out = sys.argv[1], sys.argv[2], sys.argv[3]
tag = "py3-none-win_amd64"
assert os.path.basename(wheel) == f"certpatch-{version}-{tag}.whl", wheel
z = zipfile.ZipFile(wheel)
names = z.namelist()
dist_info = f"certpatch-{version}.dist-info/"
wheel_file = z.read(dist_info + "WHEEL").decode().splitlines()
assert f"Tag: {tag}" in wheel_file, wheel_file
assert "Root-Is-Purelib: false" in wheel_file, wheel_file
fields = {}
for line in z.read(dist_info + "METADATA").decode().split("\n\n", 1)[0].splitlines():
    key, _, value = line.partition(": ")
    fields.setdefault(key, []).append(value)
assert fields["Name"] == ["certpatch"], fields["Name"]
assert fields["Version"] == [version], (fields["Version"], version)
assert "Operating System :: Microsoft :: Windows" in fields.get("Classifier", []), fields
script = f"certpatch-{version}.data/scripts/certpatch.exe"
scripts = [n for n in names if ".data/scripts/" in n]
assert scripts == [script], scripts
code = [n for n in names if n.lower().endswith((".py", ".pyd", ".so", ".dll"))]
assert not code, f"the wheel holds Python code, extensions or DLLs: {code}"
assert not [n for n in names if n.endswith("entry_points.txt")], names
z.extract(script, out)
os.rename(os.path.join(out, script), os.path.join(out, "certpatch.exe"))
print(f"windows: the wheel holds {len(names)} files; its only script is certpatch.exe")
EOF
  exe="$WIN/wheel/certpatch.exe"
  # The exe must run where only Windows is: it imports no MinGW runtime DLL (libgcc_s,
  # libwinpthread, libstdc++), which the wheel does not carry.
  imports=$(x86_64-w64-mingw32-objdump -p "$exe" | sed -n 's/^\s*DLL Name: //p')
  [ -n "$imports" ] || fail "objdump found no DLL imports in $exe"
  if grep -i '^lib' <<<"$imports"; then
    fail "the wheel's certpatch.exe imports MinGW runtime DLLs (above)"
  fi
  out=$(wine "$exe" --version) || fail "the wheel's certpatch.exe --version under Wine"
  say "wheel's certpatch.exe: $out"
  case "$out" in
    "certpatch $version" | "certpatch $version (git "*")") ;;
    *) fail "--version printed '$out', expected 'certpatch $version[ (git REV)]'" ;;
  esac
  # A check as a user runs it: the real R10 intermediate against the real certifi bundle
  # (a copy, left unchanged), at a date when R10 is valid, with a home of its own and
  # none of the variables that point Python at another bundle.
  smoke=$(mktemp -d "${TMPDIR:-/tmp}/certpatch-wheel-exe.XXXXXX")
  mkdir "$smoke/home"
  cp fixtures/real/certifi-2026.10.19-cacert.pem "$smoke/cacert.pem"
  before=$(sha256sum <"$smoke/cacert.pem")
  doc=$(env -u REQUESTS_CA_BUNDLE -u SSL_CERT_FILE -u SSL_CERT_DIR -u CURL_CA_BUNDLE \
    -u PIP_CERT -u VIRTUAL_ENV -u CONDA_PREFIX -u NO_COLOR \
    CERTPATCH_HOME="$(winepath -w "$smoke/home")" wine "$exe" check fixtures/real/le-r10.pem \
    --bundle "$(winepath -w "$smoke/cacert.pem")" --at 2026-06-01T00:00:00Z --json) ||
    fail "the wheel's certpatch.exe: check of le-r10.pem against the real certifi bundle exited $?: $doc"
  ok=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["ok"])' <<<"$doc") ||
    fail "check --json printed no JSON: $doc"
  [ "$ok" = True ] || fail "check --json is not ok: $doc"
  [ "$(sha256sum <"$smoke/cacert.pem")" = "$before" ] || fail "check changed the bundle"
  rm -rf "$smoke"
  say "wheel's certpatch.exe: check of the real R10 against the real certifi bundle passes"
  say "build: $(($(date +%s) - start)) s"
  # A second drive for the drive-letter tests (tests/cli/windows.rs): T: is a scratch
  # folder, mapped as Wine maps every drive, by a link in the prefix's dosdevices.
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/certpatch-drive-t.XXXXXX")
  trap 'rm -rf "$scratch"; rm -f "$WINEPREFIX/dosdevices/t:"' EXIT
  ln -sfn "$scratch" "$WINEPREFIX/dosdevices/t:"
  export CERTPATCH_TEST_DRIVE=T:
  # The tests under Wine: the offline, self-contained set (no Python, no PyPI, no root).
  tests=$(date +%s)
  cargo test "${build[@]}" --no-default-features --features no-root-tests
  say "tests: $(($(date +%s) - tests)) s; total $(($(date +%s) - start)) s"
  wineserver -k || true
)
