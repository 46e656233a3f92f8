#!/usr/bin/env bash
# One command from a fresh clone to a running demo on SQLite:
# installs everything, migrates, creates the development signing keys, loads the demo data,
# starts the background scheduler and the web server on http://127.0.0.1:5000/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

export FLASK_APP=app
# Captures, re-checks and webhooks refuse loopback and private addresses unless ALLOW_PRIVATE_URLS=1
# (set it yourself to capture a page served on this machine; the demo data needs no such setting).
export ALLOW_PRIVATE_URLS=${ALLOW_PRIVATE_URLS:-0}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-5000}
export PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://$HOST:$PORT}

.venv/bin/flask db upgrade
.venv/bin/flask signing init-dev   # development PKI in instance/signing (left alone when it exists)
.venv/bin/flask seed-demo

.venv/bin/flask scheduler > instance/scheduler.log 2>&1 &
SCHED=$!
trap 'kill $SCHED 2>/dev/null || true' EXIT
echo "==> scheduler started (log: instance/scheduler.log)"

cat <<MSG

  Yidun Casework is running at $PUBLIC_BASE_URL/
  Log in with any demo account, password demo-password:
    admin@demo.test    legal@demo.test    counsel@demo.test    creator@demo.test
  Stop with Ctrl-C.

MSG
exec .venv/bin/flask run --host "$HOST" --port "$PORT"
