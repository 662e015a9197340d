# Sourced by .ci/windows.sh and .ci/macos-check.sh: Debian's packages they need, installed
# only when missing (as root, from Debian's registry), and the check that Debian's rustc-web
# came with the standard library's source (`-Zbuild-std` rebuilds it for the target).
# Needs `say` and `fail` from the caller.

# ensure_debian_toolchain PACKAGE...: rustc-web, cargo-web and rust-web-src are always
# among them.
ensure_debian_toolchain() {
  local packages=(rustc-web cargo-web rust-web-src "$@") missing=() p
  for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]} from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  fi
  test -f "$(/usr/bin/rustc --print sysroot)/lib/rustlib/src/rust/library/std/Cargo.toml" ||
    fail "rust-web-src did not install the standard library's source"
}
