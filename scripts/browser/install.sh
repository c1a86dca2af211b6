#!/usr/bin/env bash
# Installs a headless Chromium for the validator's status-page browser test (Debian/Ubuntu, apt).
# Does nothing when a browser is already there. The binary is looked for in this order, the same
# rule the test uses (packages/validator/test/status/browserBinary.ts):
#   $BROWSER_BIN, /usr/bin/chromium-headless-shell, /usr/bin/chromium, /usr/bin/chromium-browser,
#   /usr/bin/google-chrome
# Prints the path it found (or installed) on stdout; what it does goes to stderr.
set -euo pipefail

find_browser() {
  local candidate
  for candidate in "${BROWSER_BIN:-}" /usr/bin/chromium-headless-shell /usr/bin/chromium \
    /usr/bin/chromium-browser /usr/bin/google-chrome; do
    if [[ -n "$candidate" && -x "$candidate" ]]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if found="$(find_browser)"; then
  echo "$found"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "browser: no headless Chromium found and no apt-get here; install Chromium and set BROWSER_BIN to its path" >&2
  exit 1
fi

sudo=()
if [[ "$(id -u)" -ne 0 ]]; then sudo=(sudo); fi
echo "browser: installing a headless Chromium (apt-get install -y chromium-headless-shell)" >&2
"${sudo[@]}" apt-get update -q >&2
if ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends \
  chromium-headless-shell >&2; then
  # Older releases have no headless-shell package; the full browser runs headless too.
  echo "browser: chromium-headless-shell is not available; installing chromium instead" >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends \
    chromium >&2
fi

if found="$(find_browser)"; then
  echo "browser: installed $found" >&2
  echo "$found"
  exit 0
fi
echo "browser: the install finished but no browser binary was found; set BROWSER_BIN to its path" >&2
exit 1
