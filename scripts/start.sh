#!/usr/bin/env bash
# Set everything up and run the main job: check the corpus, prepare the default model if it is
# missing (about 8 minutes on 2 CPU cores without AMX, once), then start the app on http://127.0.0.1:7860.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/stance corpus validate
.venv/bin/stance prepare
exec .venv/bin/stance app "$@"
