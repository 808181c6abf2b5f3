#!/usr/bin/env bash
# Set everything up and run the main job: check the corpus and print its statistics.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/stance corpus validate
.venv/bin/stance corpus stats
