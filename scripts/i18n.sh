#!/usr/bin/env bash
# Extract translatable strings and merge them into the Chinese catalogue, then compile.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot . >/dev/null
.venv/bin/pybabel update -i translations/messages.pot -d translations -l zh --no-fuzzy-matching >/dev/null
.venv/bin/pybabel compile -d translations >/dev/null
untranslated=$(.venv/bin/python - <<'PY'
from babel.messages.pofile import read_po
cat = read_po(open("translations/zh/LC_MESSAGES/messages.po", "rb"))
print(sum(1 for m in cat if m.id and not (m.string if isinstance(m.string, str) else m.string[0])))
PY
)
echo "translations updated; $untranslated strings still need Chinese"
