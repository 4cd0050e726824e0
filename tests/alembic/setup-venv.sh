#!/usr/bin/env bash
# Installs the real peer for the interop tests: Alembic and a PostgreSQL driver from PyPI, in a
# virtual environment (default /var/tmp/hotidx-venv; set HOTIDX_VENV to put it elsewhere).
# The tests find its alembic through the same variable.
set -euo pipefail
venv="${HOTIDX_VENV:-/var/tmp/hotidx-venv}"
if [ ! -x "$venv/bin/alembic" ] || ! "$venv/bin/python" -c 'import psycopg2' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check alembic psycopg2-binary
fi
"$venv/bin/alembic" --version
