#!/usr/bin/env bash
# macOS, type-checked on this Linux machine: `cargo check` of certpatch (the library and
# the binary a user installs) for aarch64-apple-darwin and x86_64-apple-darwin. Nothing is
# linked or run: no macOS SDK or linker can be had here, so this proves only that the code
# compiles for macOS (it caught `mode_t` being a u16 there), not that it works.
# The tests and benchmarks too (--all-targets): they type-check for macOS (two unit tests
# made FIFOs with rustix::fs::mknodat, which rustix lacks on Apple; now libc::mkfifo).
#   - Debian's rustc-web + rust-web-src, the standard library checked for the target with
#     -Zbuild-std (RUSTC_BOOTSTRAP=1), as .ci/windows.sh builds for Windows.
#   - Build scripts that compile C for the target (ring) use `zig cc` (PyPI's ziglang, in a
#     venv of its own), which carries macOS's libc headers.
#   - openssl-sys (the `openssl` crate is a Unix dependency) wants OpenSSL's headers and
#     libraries for the target: it gets Debian's OpenSSL 3 headers (libssl-dev; the same
#     API as Homebrew's openssl@3) and two empty stand-in .dylib files, enough for its
#     build script, since a check links nothing.
# Called by .ci/run, last. Idempotent: packages are installed only when missing (as root,
# from Debian's registry), ziglang only when its venv lacks one that fits; the venv, the
# compiler wrappers, the OpenSSL stand-in and zig's cache live in $MACOS (default
# target/macos-toolchain), the build in target/macos.
# Time on the 2-core machine, packages installed, from nothing in target/: 201 s for both
# targets (ziglang's install included) without the tests; with --all-targets, 471 s
# (ziglang already installed) while a full .ci/run ran beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
MACOS=${MACOS:-$root/target/macos-toolchain}
TARGETS=(aarch64-apple-darwin x86_64-apple-darwin)
say() { printf 'macos-check: %s\n' "$*"; }
fail() { printf 'macos-check: FAILED: %s\n' "$*" >&2; exit 1; }
start=$(date +%s)

# shellcheck source=.ci/debian-toolchain.sh
. .ci/debian-toolchain.sh
ensure_debian_toolchain python3-venv libssl-dev

mkdir -p "$MACOS/bin"
[ -x "$MACOS/zig/bin/python" ] || /usr/bin/python3 -m venv "$MACOS/zig" ||
  fail "python3 -m venv (python3-venv) could not make ziglang's venv"
# zig's command line changes between versions: one series.
"$MACOS/zig/bin/pip" install -q --disable-pip-version-check 'ziglang>=0.17,<0.18' ||
  fail "pip could not install ziglang from the package index"

# cc-rs calls the compiler as it would call Apple's clang (`--target=…`, `-arch …`,
# `-mmacosx-version-min=…`); zig takes the target once, as `-target`, so those go.
for t in "${TARGETS[@]}"; do
  arch=${t%%-*}
  cat >"$MACOS/bin/cc-$t" <<CC
#!/usr/bin/env bash
args=()
skip=
for a in "\$@"; do
  if [ -n "\$skip" ]; then skip=; continue; fi
  case "\$a" in
    -arch) skip=1 ;;
    --target=* | -mmacosx-version-min=*) ;;
    *) args+=("\$a") ;;
  esac
done
exec "$MACOS/zig/bin/python" -m ziglang cc -target $arch-macos "\${args[@]}"
CC
  chmod +x "$MACOS/bin/cc-$t"
done
cat >"$MACOS/bin/ar" <<AR
#!/usr/bin/env bash
exec "$MACOS/zig/bin/python" -m ziglang ar "\$@"
AR
chmod +x "$MACOS/bin/ar"

# OpenSSL for openssl-sys's build script: Debian's headers (with the multiarch
# configuration.h beside them) and empty libraries that are never linked.
ssl=$MACOS/openssl
rm -rf "$ssl"
mkdir -p "$ssl/include" "$ssl/lib"
cp -r /usr/include/openssl "$ssl/include/"
cp /usr/include/"$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)"/openssl/*.h \
  "$ssl/include/openssl/" || fail "no multiarch OpenSSL configuration headers (libssl-dev)"
touch "$ssl/lib/libssl.dylib" "$ssl/lib/libcrypto.dylib"

(
  # Debian's rustc-web toolchain ahead of rustup's proxies (as in .ci/windows.sh).
  export PATH=/usr/bin:/bin:/usr/sbin:/sbin
  export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc CARGO=/usr/bin/cargo
  export RUSTC_BOOTSTRAP=1
  export CARGO_TARGET_DIR=$root/target/macos
  export OPENSSL_DIR=$ssl
  export ZIG_GLOBAL_CACHE_DIR=$MACOS/zig-cache ZIG_LOCAL_CACHE_DIR=$MACOS/zig-cache
  say "$(rustc --version), zig $("$MACOS/zig/bin/python" -m ziglang version)"
  for t in "${TARGETS[@]}"; do
    v=${t//-/_}
    export "CC_$v=$MACOS/bin/cc-$t" "AR_$v=$MACOS/bin/ar"
    began=$(date +%s)
    # Warnings in certpatch's own code fail, as clippy's -D warnings does on Linux.
    cargo check -Zbuild-std=std,panic_abort --target "$t" --locked --all-targets 2>&1 |
      tee "$MACOS/check-$t.log" || fail "cargo check --target $t (above)"
    if grep -q '^warning: `certpatch`' "$MACOS/check-$t.log"; then
      fail "the $t check has warnings (above)"
    fi
    say "$t: checked in $(($(date +%s) - began)) s"
  done
)
say "ok; total $(($(date +%s) - start)) s"
