#!/usr/bin/env bash
# Windows, built and tested on this Linux machine: certpatch.exe for x86_64-pc-windows-gnu,
# built with Debian's packages only, and its unit and CLI tests run under Wine.
#   - Debian's rustc-web 1.96 + cargo-web + rust-web-src: the standard library is rebuilt
#     for the target with -Zbuild-std (RUSTC_BOOTSTRAP=1), since rustup cannot download
#     targets here; gcc-mingw-w64 links (and compiles ring's C and assembly).
#   - Wine 8.0 runs the .exe and the test binaries (cargo's runner). Wine 8.0 lacks
#     bcryptprimitives.dll (Rust's std imports ProcessPrng from it), so a 10-line stand-in
#     (.ci/windows/bcryptprimitives.c) goes into the Wine prefix.
# Idempotent: packages are installed only when missing (as root, from Debian's registry);
# the Wine prefix, the stand-in DLL and the env file live in $WIN (default
# target/windows-toolchain), the build in target/windows. Everything runs in a subshell
# with Debian's toolchain first on PATH, so the rustup toolchain of the Linux part is
# untouched.
# Which tests: `--no-default-features --features no-root-tests` — the tests that need a
# Python, PyPI or root are Linux's (no Windows CPython here; Wine has no other users); the
# ones that need Unix-only behaviour are gated by cfg(unix) with the reason beside them.
# Time on the 2-core machine, from a fresh clone with the packages installed: 31 min
# (README, "Platforms").
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
WIN=${WIN:-$root/target/windows-toolchain}
TARGET=x86_64-pc-windows-gnu
say() { printf 'windows: %s\n' "$*"; }
start=$(date +%s)

packages=(rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 wine wine64)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
test -f "$(/usr/bin/rustc --print sysroot)/lib/rustlib/src/rust/library/std/Cargo.toml" || {
  echo "windows: rust-web-src did not install the standard library's source" >&2
  exit 1
}

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
  build=(-Zbuild-std=std,panic_abort --target "$TARGET" --locked)
  # Warnings in certpatch's own code fail the build, as clippy's -D warnings does on Linux
  # (RUSTFLAGS would rebuild the standard library with them).
  cargo build --release "${build[@]}" 2>&1 | tee "$WIN/build.log"
  if grep -q '^warning: `certpatch`' "$WIN/build.log"; then
    echo "windows: the Windows build has warnings (above)" >&2
    exit 1
  fi
  exe="$CARGO_TARGET_DIR/$TARGET/release/certpatch.exe"
  say "built $exe"
  wine "$exe" --version
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
