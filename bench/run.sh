#!/usr/bin/env bash
# Benchmarks (apart from the tests): turn latency and memory against a `rasa init` baseline.
#   bash bench/run.sh [--no-training] [--no-baseline] [--rounds N] [--concurrency N]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
cd "$ASSISTANT_ROOT"
bash scripts/setup.sh >/dev/null
exec "$APP_PYTHON" -m bench "$@"
