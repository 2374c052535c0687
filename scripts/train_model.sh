#!/usr/bin/env bash
# Train the Rasa model when its inputs changed (run by scripts/setup.sh, which makes the
# virtual environments first; scripts/test.sh runs it on its own beside the other checks).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ASSISTANT_ROOT"
source scripts/setup_lib.sh

[[ -x "$RASA_BIN" && -x "$APP_PYTHON" ]] || die "no virtual environments: run scripts/setup.sh"

# --- Rasa model -----------------------------------------------------------------------
step "Rasa model"
# The shop's catalog is not an input: its words are read while serving (setup.sh, NLU lookups).
fp="$(fingerprint config.yml bot/domain bot/data bot/components nlu_data \
  requirements/rasa.txt requirements/train.txt)"
model="$RASA_MODEL_DIR/shop.tar.gz"
if stamp_matches rasa-model "$fp" && [[ -f "$model" ]]; then
  note "unchanged; $model is current"
else
  started=$SECONDS
  "$RASA_BIN" train --config config.yml --domain bot/domain \
    --data nlu_data bot/data \
    --out "$RASA_MODEL_DIR" --fixed-model-name shop
  write_stamp rasa-model "$fp"
  note "trained in $((SECONDS - started)) s"
  # A Rasa server already running on this var/ loads the new model in place (HTTP API,
  # PUT /model); if none answers, the next start uses it.
  "$APP_PYTHON" -m scripts.reload_model "$model" || note "could not reload the running Rasa server"
fi
