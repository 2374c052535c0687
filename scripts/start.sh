#!/usr/bin/env bash
# Run the assistant: setup (fast when nothing changed), then the Rasa server, the action
# server, the knowledge API and the web service (storefront with the chat widget, agent
# desk) under scripts/supervise.py. Ctrl-C stops everything.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ASSISTANT_ROOT"

bash scripts/setup.sh
source scripts/env.sh  # setup may just have generated the secrets

if [[ ! -e "$RASA_MODEL_DIR/shop.tar.gz" ]]; then
  echo "start: no trained model in $RASA_MODEL_DIR; scripts/setup.sh could not train one." >&2
  exit 1
fi

run_dir="$ASSISTANT_VAR_DIR/run"
mkdir -p "$run_dir" "$ASSISTANT_VAR_DIR/logs"
spec="$run_dir/stack.json"
# The spec names the secrets each process may have, never their values: the supervisor
# passes RASA_TOKEN (Rasa, web service) and CUSTOMER_TOKEN_SECRET (action server, web
# service) on from this environment, and no secret goes on a command line.
(umask 077 && "$APP_PYTHON" -m scripts.stackctl spec >"$spec")
exec "$APP_PYTHON" scripts/supervise.py --spec "$spec" --log-dir "$ASSISTANT_VAR_DIR/logs"
