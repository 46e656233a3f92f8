#!/usr/bin/env bash
# Run the whole test suite on SQLite, then on PostgreSQL (TEST_PG_URL, default the local server).
# Extra arguments go to pytest, e.g. scripts/test.sh -k ledger -x
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

PG_URL=${TEST_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
mkdir -p test-artifacts

run() {
  local label=$1; shift
  echo "==> tests on $label"
  set +e
  "$@"
  local rc=$?
  set -e
  if [ $rc -ne 0 ]; then echo "==> tests on $label FAILED (exit $rc)"; exit $rc; fi
}

run SQLite env TEST_DATABASE_URL= .venv/bin/python -m pytest "$@"

if .venv/bin/python - "$PG_URL" <<'PY'
import sys, sqlalchemy as sa
try:
    sa.create_engine(sys.argv[1]).connect().close()
except Exception as exc:
    print(f"PostgreSQL not reachable at {sys.argv[1]}: {exc}", file=sys.stderr)
    sys.exit(1)
PY
then
  run PostgreSQL env TEST_DATABASE_URL="$PG_URL" .venv/bin/python -m pytest "$@"
elif [ "${CI:-}" = "true" ] || [ "${REQUIRE_PG:-}" = "1" ]; then
  echo "==> PostgreSQL is required here but not reachable"; exit 1
else
  echo "==> PostgreSQL not reachable: skipped (set REQUIRE_PG=1 to make this an error)"
fi
