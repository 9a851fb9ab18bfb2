#!/usr/bin/env bash
# Set up (or update) the project's virtual environment, then run something in it.
#
#   ./dev.sh dashboard [streamlit options]   start the dashboard on the bundled data
#   ./dev.sh test [pytest options]           run the whole test suite
#   ./dev.sh check                            lint and format (ruff) and types (mypy); fails on any finding
#   ./dev.sh quick [pytest options]          the unit and app tiers only: no root, browser or database
#   ./dev.sh shell                            a shell with the environment active
#
# Works on a fresh Debian machine with Python 3.11+. What it installs:
# - .venv/ with the project, its test tools and its checkers (again whenever pyproject.toml or setup.py changes);
# - for `test`, Debian's chromium (the browser the end-to-end tests drive), nodejs and
#   PostgreSQL 15 with PostGIS (the store tests use a local server; the cluster is
#   started if it is down), via apt-get when run as root, or it tells you the one
#   command to run.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=.venv

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "dev.sh: need root to run: $*" >&2; return 1; fi
}

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq "$@"
}

ensure_python() {
  if ! command -v "$PYTHON" >/dev/null; then
    echo "dev.sh: $PYTHON not found; installing Debian's python3" >&2
    apt_install python3 python3-venv python3-pip
  fi
  "$PYTHON" - <<'PY' || { echo "dev.sh: Python 3.11 or newer is needed (set PYTHON=python3.x)" >&2; exit 1; }
import sys
sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY
  if ! "$PYTHON" -c "import venv, ensurepip" 2>/dev/null; then
    apt_install python3-venv
  fi
}

ensure_venv() {
  ensure_python
  if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
  fi
  local stamp="$VENV/.mapdata-installed" want
  want=$(cat pyproject.toml setup.py | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || ! "$VENV/bin/python" -c "import mapdata" 2>/dev/null; then
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e ".[test,dev]"
    echo "$want" > "$stamp"
  fi
}

ensure_browser() {
  if [ ! -x /usr/bin/chromium ]; then
    echo "dev.sh: installing Debian's chromium for the end-to-end tests" >&2
    apt_install chromium
  fi
  if ! command -v node >/dev/null; then
    echo "dev.sh: installing Debian's nodejs (the browser map's timeline runs in it against Python's)" >&2
    apt_install nodejs
  fi
}

ensure_postgres() {
  if ! dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1; then
    echo "dev.sh: installing PostgreSQL 15 with PostGIS for the store tests" >&2
    apt_install postgresql-15-postgis-3
  fi
  if ! pg_lsclusters -h 2>/dev/null | awk '$1 == "15" && $2 == "main" {print $4}' | grep -q online; then
    echo "dev.sh: starting the PostgreSQL 15 cluster for the store tests" >&2
    as_root pg_ctlcluster --skip-systemctl-redirect 15 main start
  fi
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  dashboard)
    ensure_venv
    exec "$VENV/bin/mapdata" serve "$@"   # streamlit run dashboard.py, with the data loaded while it starts
    ;;
  test)
    ensure_venv
    ensure_browser
    ensure_postgres
    exec "$VENV/bin/python" -m pytest "$@"
    ;;
  check)
    ensure_venv
    status=0
    "$VENV/bin/ruff" check . || status=1   # rules: [tool.ruff] in pyproject.toml
    "$VENV/bin/ruff" format --check . || status=1   # the layout: ruff format (line length in [tool.ruff])
    "$VENV/bin/mypy" || status=1           # files and settings: [tool.mypy] in pyproject.toml
    exit "$status"
    ;;
  quick)
    ensure_venv
    # The tiers are markers (tests/conftest.py); the few app tests on a PostgreSQL store are also marked store.
    extra=()
    if ! command -v node >/dev/null; then  # quick installs nothing; ./dev.sh test installs node and runs these
      echo "dev.sh quick: node is not installed: leaving out tests/unit/test_evidence_js_parity.py" >&2
      extra=(--deselect tests/unit/test_evidence_js_parity.py)
    fi
    exec "$VENV/bin/python" -m pytest -m "(unit or app) and not store" "${extra[@]}" tests/unit tests/app "$@"
    ;;
  shell)
    ensure_venv
    exec bash --rcfile <(echo "source $VENV/bin/activate")
    ;;
  *)
    sed -n '2,14p' "$0" >&2
    exit 2
    ;;
esac
