#!/usr/bin/env bash
# Creates (or refreshes) a project-local Python environment. Idempotent: does nothing when the
# venv matches its requirements.
#
#   scripts/python-env.sh          .venv: the interop and oracle peers the tests use (bittensor,
#                                  xgboost, imagehash, onnxruntime, tokenizers)
#   scripts/python-env.sh export   .venv-export: torch (CPU), transformers, diffusers, optimum and
#                                  peft for `pnpm models export` and the parity fixtures (several
#                                  GB; the tests and CI do not need it)
set -euo pipefail
cd "$(dirname "$0")/.."

MODE="${1:-test}"
case "$MODE" in
  test)
    VENV=.venv
    REQ=scripts/python/requirements.txt
    CON=scripts/python/constraints.txt
    WHAT="bittensor, xgboost, imagehash, onnxruntime, tokenizers; this takes a minute the first time" ;;
  export)
    VENV=.venv-export
    REQ=scripts/python/requirements-export.txt
    CON=/dev/null
    WHAT="torch (CPU), transformers, diffusers, optimum, peft; several GB, some minutes the first time" ;;
  *)
    echo "python-env: unknown environment '$MODE' (test or export)" >&2
    exit 2 ;;
esac
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

echo "python-env: creating $VENV with $($PY --version) ($WHAT)" >&2
if ! "$PY" -m venv "$VENV" 2>/dev/null; then
  echo "python-env: '$PY -m venv' failed; on Debian/Ubuntu install python3-venv" >&2
  exit 1
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ" ${CON:+-c "$CON"}
echo "$want" > "$STAMP"
echo "python-env: ready" >&2
