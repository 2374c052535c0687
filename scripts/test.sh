#!/usr/bin/env bash
# The CI command (.ci/run): setup, lint, type checks, Rasa data validation, the pytest tests that
# need no Rasa model (all while the model trains in the background), then the Rasa
# conversation tests and the integration tests. Every check runs even after a failure; the
# summary at the end lists them all and the exit status is non-zero if any failed.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ASSISTANT_ROOT"

RESULTS_DIR="$ASSISTANT_VAR_DIR/test-results"
mkdir -p "$RESULTS_DIR"
names=() statuses=() durations=()
failed=0
total_start=$SECONDS

record() {  # record NAME STATUS SECONDS
  names+=("$1"); statuses+=("$2"); durations+=("$3")
  [[ "$2" == FAIL ]] && failed=1
  return 0
}

# run_check NAME COMMAND... : runs the command, records ok/FAIL and its duration.
run_check() {
  local name="$1"; shift
  local start=$SECONDS rc
  printf '\n==== %s\n$ %s\n' "$name" "$*"
  "$@"
  rc=$?
  if ((rc == 0)); then
    record "$name" ok $((SECONDS - start))
  else
    printf '\n**** %s FAILED (exit %d)\n' "$name" "$rc"
    record "$name" FAIL $((SECONDS - start))
  fi
  return $rc
}

summary() {
  printf '\n================ test.sh summary ================\n'
  local i
  for i in "${!names[@]}"; do
    printf '  %-5s %-34s %5ss\n' "${statuses[$i]}" "${names[$i]}" "${durations[$i]}"
  done
  printf '  total %ss\n' $((SECONDS - total_start))
  if ((failed)); then
    printf 'RESULT: FAILED (see the FAIL lines above)\n'
  else
    printf 'RESULT: all checks succeeded\n'
  fi
}

# 1. Setup: venvs, secrets, shop, lookups, knowledge index. Nothing else can run without it.
if ! run_check "setup (all but the Rasa model)" env SETUP_BROWSER=1 SETUP_VOICE_TOOLS=1 \
  bash scripts/setup.sh --no-model; then
  summary
  exit 1
fi
source scripts/env.sh

# 2. The Rasa model trains in the background: TensorFlow's small training steps keep about one
#    core busy, so the checks that do not need the model run beside it on the other.
train_log="$RESULTS_DIR/train_model.log"
train_start=$SECONDS
# its own process group, so that stopping this script (Ctrl-C, CI's time limit) stops `rasa
# train` and the fine-tune too, not only the shell around them
setsid bash scripts/train_model.sh >"$train_log" 2>&1 &
train_pid=$!
trap 'kill -- -"$train_pid" 2>/dev/null' EXIT
printf '\n==== Rasa model: training in the background (log: %s)\n' "$train_log"

# run_pytest NAME LIMIT_SECONDS ARGS... : pytest, with the exit codes told apart. The limit only
# stops a hung run well inside CI's 90 minutes; the 25 slowest tests are listed.
run_pytest() {
  local name="$1" limit="$2"; shift 2
  local start=$SECONDS rc
  printf '\n==== %s\n' "$name"
  timeout --kill-after=30 "$limit" "$APP_PYTHON" -m pytest --durations=25 "$@"
  rc=$?
  case $rc in
    0) record "$name" ok $((SECONDS - start)) ;;
    5) printf '\n**** %s collected no tests: CI must run tests, this is a failure.\n' "$name"
       record "$name (no tests collected)" FAIL $((SECONDS - start)) ;;
    124|137) printf '\n**** %s timed out after %s s.\n' "$name" "$limit"
       record "$name (timed out)" FAIL $((SECONDS - start)) ;;
    *) record "$name" FAIL $((SECONDS - start)) ;;
  esac
}

# 3. Lint and format, over the whole tree.
run_check "ruff check" "$APP_VENV/bin/ruff" check .
run_check "ruff format --check" "$APP_VENV/bin/ruff" format --check .

# 4. Types: the Python 3.11 packages (files listed in pyproject.toml), then connectors/ and
#    bot/components/ (both loaded by the Rasa server) against the Rasa venv's packages as
#    Python 3.10 (rasa itself ships no type information, so its classes are Any; sanic is typed).
#    bot/components/intent_finetune.py runs in the 3.11 venv (torch): checked with the first.
run_check "mypy (3.11 packages)" "$APP_VENV/bin/mypy"
run_check "mypy connectors (3.10, rasa venv)" "$APP_VENV/bin/mypy" \
  --python-executable "$RASA_VENV/bin/python" --python-version 3.10 --exclude connectors/web connectors
run_check "mypy bot/components (3.10, rasa venv)" "$APP_VENV/bin/mypy" \
  --python-executable "$RASA_VENV/bin/python" --python-version 3.10 \
  --exclude bot/components/intent_finetune.py bot/components

# 5. Rasa training data.
RASA_DATA=(--domain bot/domain --data nlu_data bot/data)
# Not --fail-on-warnings: Rasa 3.6's validator reports the forms' utter_ask_<slot> responses
# as "not used in any story or rule" (forms use them implicitly), and warns about the
# deliberate RegexEntityExtractor + DIET overlap for email/order_number.
run_check "rasa data validate" "$RASA_BIN" data validate "${RASA_DATA[@]}" --config config.yml

# 6. pytest, the tests that do not need the Rasa model (unit tests, the action server in
#    process, the knowledge base, the web pages, the speech services...).
run_pytest "pytest (no Rasa model)" 1800 -m "not integration and not rasa_model" \
  --junitxml "$RESULTS_DIR/pytest-unit.xml"

# 7. The Rasa model.
printf '\n==== Rasa model (trained beside the checks above)\n'
wait "$train_pid"
rc=$?
trap - EXIT
cat "$train_log"
if ((rc == 0)); then
  record "setup: Rasa model (in the background)" ok $((SECONDS - train_start))
else
  printf '\n**** training the Rasa model FAILED (exit %d); the checks that need it cannot run.\n' "$rc"
  record "setup: Rasa model (in the background)" FAIL $((SECONDS - train_start))
  summary
  exit 1
fi

# 8. Rasa conversation tests, then the tests that start the real servers with the model.
if compgen -G "tests/conversations/*.yml" >/dev/null; then
  run_check "rasa test core (conversations)" "$RASA_BIN" test core \
    --model "$RASA_MODEL_DIR/shop.tar.gz" --stories tests/conversations \
    --fail-on-prediction-errors --out "$RESULTS_DIR/core"
else
  printf '\n==== rasa test core: no tests/conversations/*.yml\n'
  record "rasa test core (conversations)" FAIL 0
fi
run_pytest "pytest (Rasa model, integration)" 1800 -m "integration or rasa_model" \
  --junitxml "$RESULTS_DIR/pytest-integration.xml"

summary
exit $failed
