#!/usr/bin/env bash
# Set everything up and run the main job: check the corpus, prepare the default model if it is
# missing (about 6 minutes on 2 CPU cores, once), and evaluate it on the test split.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/stance corpus validate
.venv/bin/stance prepare
.venv/bin/stance eval
