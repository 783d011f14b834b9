#!/usr/bin/env bash
# Install everything the tests need (Python packages, headless Chromium + chromedriver) and run the
# whole suite: once on SQLite, then again on PostgreSQL when one answers on OPTIOR_TEST_PG_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! command -v strace >/dev/null; then
  echo "== installing Debian chromium, chromium-driver (browser tests) and strace (kill-point tests)"
  if [ "$(id -u)" -eq 0 ]; then apt_get="apt-get"; else apt_get="sudo apt-get"; fi
  $apt_get update -qq
  DEBIAN_FRONTEND=noninteractive $apt_get install -y -qq chromium chromium-driver strace >/dev/null
fi

echo "== installing Python packages"
python -m pip install -q --disable-pip-version-check -r requirements-dev.txt

AXE_VERSION="4.14.1"  # the accessibility checker the browser tests inject into each page (never served by the app)
if [ "$(node -p "require('./.cache/axe/node_modules/axe-core/package.json').version" 2>/dev/null)" != "$AXE_VERSION" ]; then
  echo "== installing axe-core@$AXE_VERSION into .cache/axe (accessibility tests)"
  npm install --silent --no-audit --no-fund --prefix .cache/axe "axe-core@$AXE_VERSION"
fi

echo "== lint (ruff)"
python -m ruff check optior tests app.py benchmarks

echo "== type check (mypy; the folders are listed in pyproject.toml)"
python -m mypy

mkdir -p test-artifacts
echo "== test suite on SQLite"
python -m pytest "$@"

PG_URL="${OPTIOR_TEST_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
if python - "$PG_URL" <<'PY'
import sys
from sqlalchemy import create_engine, text
try:
    with create_engine(sys.argv[1]).connect() as connection:
        connection.execute(text("select 1"))
except Exception as error:  # noqa: BLE001 - any failure means: no server to test against
    print(f"PostgreSQL not reachable ({type(error).__name__}); skipping the PostgreSQL pass.")
    sys.exit(1)
PY
then
  echo "== test suite on PostgreSQL ($PG_URL)"
  OPTIOR_TEST_DATABASE_URL="$PG_URL" python -m pytest "$@"
else
  echo "== SKIPPED the PostgreSQL pass: no server at $PG_URL (set OPTIOR_TEST_PG_URL to run it)"
fi
