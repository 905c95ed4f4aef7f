#!/usr/bin/env bash
# Create .venv and install the pinned requirements into it.
# Usage: scripts/setup.sh [requirements-file]   (default: requirements.txt)
# Re-running is cheap: pip is skipped while the requirements file is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
req="${1:-requirements.txt}"
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null || python=python3

if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
stamp=".venv/.installed-$(basename "$req")"
digest="$(cat requirements*.txt | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
  .venv/bin/python -m pip install -qq --upgrade pip
  .venv/bin/python -m pip install -qq -r "$req"
  echo "$digest" > "$stamp"
fi
