#!/usr/bin/env bash
# Set everything up and start LSTM Lab on http://localhost:8501 (built-in sample data, local Ray).
# Set RAY_ADDRESS to join an existing Ray cluster instead of starting a local one.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh requirements.txt
# serve.py is `streamlit run app.py` with Ray and the Keras workers started with the server, not on the
# first visit. No file watcher: a watched file that changes makes Streamlit re-import our modules, and a
# re-imported lstm_lab.compute would start a second set of Keras workers beside the first.
exec .venv/bin/python serve.py --server.maxUploadSize "${LSTM_LAB_MAX_UPLOAD_MB:-50}" \
  --server.fileWatcherType none "$@"
