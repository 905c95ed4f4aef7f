#!/usr/bin/env bash
# Several LSTM Lab replicas on this machine behind nginx, sharing PostgreSQL and one Ray cluster.
# Usage: bash deploy/replicas.sh [N] [--port 8080] [--store postgresql|sqlite|URL] [--ray head|local|ADDRESS]
# Needs Debian's nginx and postgresql (sudo apt-get install nginx postgresql); Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh requirements.txt
if [ ! -x /usr/sbin/nginx ]; then
  echo "nginx is missing: sudo apt-get install nginx" >&2
  exit 1
fi
exec .venv/bin/python -m deploy.replicas "$@"
