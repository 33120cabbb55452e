#!/usr/bin/env bash
# The main job: set-up, then train the demo classifier and print its progress.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
source tools/env.sh
exec .venv/bin/python -m webgrad.demo "$@"
