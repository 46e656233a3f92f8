#!/usr/bin/env bash
# Install everything the app and its tests need, idempotently:
# Debian packages (fonts, poppler, Chromium, HarfBuzz subsetting), a virtualenv with the pinned
# Python packages, and compiled translations. Safe to run again; it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(libharfbuzz-subset0 fonts-noto-cjk poppler-utils chromium libpango-1.0-0 libpangoft2-1.0-0 fontconfig)
PYTHON=${PYTHON:-python3}

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then missing+=(python3-venv); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing Debian packages: ${missing[*]}"
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> creating the virtualenv in .venv"
  "$PYTHON" -m venv .venv
fi
want=$(sha256sum requirements.txt | cut -d' ' -f1)
have=$(cat .venv/.requirements.sha256 2>/dev/null || true)
if [ "$want" != "$have" ]; then
  echo "==> installing Python packages (pinned in requirements.txt)"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
  echo "$want" > .venv/.requirements.sha256
fi

.venv/bin/pybabel compile -d translations >/dev/null 2>&1 || { echo "translations failed to compile"; exit 1; }
echo "==> setup complete"
