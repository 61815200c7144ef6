#!/usr/bin/env bash
# wikiforge developer entry point. Everything a fresh machine needs (Python 3.11, Java 17) is
# installed from the pinned lock file into ./.venv; nothing is installed system-wide.
#
#   bash dev.sh demo     set up, then materialize the whole asset graph on the bundled sample data
#   bash dev.sh test     set up, then the gates (lint) and the test suite (what .ci/run calls)
#   bash dev.sh lint     set up, then only the gates: ruff check, ruff format --check, mypy
#   bash dev.sh stack    set up, then run PostgreSQL, Spark, Dagster and the API until Ctrl-C
#                        (wikiforge stack: --dumps DIR --crawls DIR --data DIR, --help for more)
#   bash dev.sh setup    only create/refresh ./.venv
#   bash dev.sh lock     re-pin requirements.lock from pyproject.toml
set -euo pipefail
cd "$(dirname "$0")"

VENV=.venv
PY=${PYTHON:-$(command -v python3.11 || command -v python3)}
# The machine image ships PyTorch's CPU wheel in /opt/wheels (PyPI's build drags GBs of CUDA).
FIND_LINKS=()
if [ -d /opt/wheels ]; then FIND_LINKS=(--find-links /opt/wheels); fi

setup() {
  if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
  fi
  if [ ! -x "$VENV/bin/uv" ]; then
    "$VENV/bin/python" -m pip install --quiet "uv==0.13.9"
  fi
  # Reinstall only when the lock file changed since the last successful install.
  local stamp="$VENV/.lock.sha256"
  local want
  want=$(sha256sum requirements.lock pyproject.toml | sha256sum | cut -c1-64)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "==> installing pinned dependencies into $VENV"
    "$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python" "${FIND_LINKS[@]}" -r requirements.lock
    "$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python" --no-deps -e .
    echo "$want" > "$stamp"
  fi
}

# The gates every change passes before the tests (configuration in pyproject.toml).
lint() {
  echo "==> ruff check"
  "$VENV/bin/ruff" check .
  echo "==> ruff format --check"
  "$VENV/bin/ruff" format --check .
  echo "==> mypy"
  "$VENV/bin/mypy"
}

case "${1:-}" in
  setup) setup ;;
  demo) setup; shift; exec "$VENV/bin/wikiforge" demo "$@" ;;
  stack) setup; shift; exec "$VENV/bin/wikiforge" stack "$@" ;;
  lint) setup; lint ;;
  test) setup; lint; shift; echo "==> pytest"; exec "$VENV/bin/python" -m pytest "$@" ;;
  lock)
    setup
    "$VENV/bin/uv" pip compile pyproject.toml --extra test --extra bench -p 3.11 "${FIND_LINKS[@]}" \
      -o requirements.lock
    ;;
  *) sed -n '2,11p' "$0"; exit 2 ;;
esac
