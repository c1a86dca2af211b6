#!/usr/bin/env bash
# Builds the sr25519 Node addon (sr25519/, schnorrkel compiled natively) into sr25519.node beside
# this script, where @subnet/protocol's SignatureVerifier looks for it.
#
# It never fails an install: without cargo, or when the build fails, it prints one line and exits
# 0, and verification runs on the wasm build instead. Cargo's own output goes to stderr.
#
#   pnpm --filter @subnet/protocol build:native    (or: bash packages/protocol/native/build.sh)
set -uo pipefail
cd "$(dirname "$0")"

fallback() {
  echo "protocol: $1; sr25519 verification will use the wasm build" >&2
  exit 0
}

# rustup's default place, for a shell that has not sourced its env file
cargo_home="${CARGO_HOME:-${HOME:-}/.cargo}"
if ! command -v cargo >/dev/null 2>&1 && [[ -x "$cargo_home/bin/cargo" ]]; then
  export PATH="$cargo_home/bin:$PATH"
fi
command -v cargo >/dev/null 2>&1 || fallback "cargo not on PATH, the native sr25519 addon was not built"

case "$(uname -s)" in
  Darwin) lib=libsr25519_node.dylib ;;
  MINGW* | MSYS* | CYGWIN*) lib=sr25519_node.dll ;;
  *) lib=libsr25519_node.so ;;
esac

target="$PWD/sr25519/target"
started=$SECONDS
cargo build --release --locked --manifest-path sr25519/Cargo.toml --target-dir "$target" >&2 ||
  fallback "cargo build of the native sr25519 addon failed (see above)"

# Copy, then rename over the old file: a running process that has the old addon mapped keeps it.
tmp="sr25519.node.tmp.$$"
cp "$target/release/$lib" "$tmp" && mv -f "$tmp" sr25519.node ||
  { rm -f "$tmp"; fallback "could not copy the built addon to $PWD/sr25519.node"; }
echo "protocol: native sr25519 addon built in $((SECONDS - started))s: $PWD/sr25519.node" >&2
