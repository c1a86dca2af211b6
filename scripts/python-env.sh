#!/usr/bin/env bash
# Creates (or refreshes) the project-local Python environment in .venv that the interop and oracle
# tests use. Idempotent: does nothing when .venv matches scripts/python/requirements.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
REQ=scripts/python/requirements.txt
CON=scripts/python/constraints.txt
STAMP="$VENV/.requirements.sha256"
want="$(cat "$REQ" "$CON" | sha256sum | cut -d' ' -f1)"

if [[ -x "$VENV/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
  exit 0
fi

usable() {
  "$1" -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 12) else 1)' >/dev/null 2>&1
}
PY="${PYTHON:-}"
if [[ -z "$PY" ]]; then
  for cand in python3 python3.11 python3.12 python3.10; do
    if usable "$cand"; then PY="$cand"; break; fi
  done
fi
if [[ -z "$PY" ]] || ! usable "$PY"; then
  echo "python-env: no Python 3.10-3.12 found (tried \$PYTHON, python3, python3.11, python3.12, python3.10);" >&2
  echo "            install one with its venv module (Debian/Ubuntu: apt-get install python3 python3-venv)" >&2
  exit 1
fi

echo "python-env: creating $VENV with $($PY --version) (bittensor, xgboost, imagehash, onnxruntime, tokenizers); this takes a minute the first time" >&2
if ! "$PY" -m venv "$VENV" 2>/dev/null; then
  echo "python-env: '$PY -m venv' failed; on Debian/Ubuntu install python3-venv" >&2
  exit 1
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ" -c "$CON"
echo "$want" > "$STAMP"
echo "python-env: ready" >&2
