# Helpers of scripts/setup.sh and scripts/train_model.sh (sourced, after scripts/env.sh).

FINGERPRINTS="$ASSISTANT_VAR_DIR/fingerprints"
mkdir -p "$ASSISTANT_VAR_DIR" "$FINGERPRINTS" "$ASSISTANT_VAR_DIR/logs" "$RASA_MODEL_DIR"

step() { printf '\n==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf '\nsetup: %s\n' "$*" >&2; exit 1; }

# fingerprint PATH... : one hash over the names and contents of all files under the paths
# (missing paths count as empty), plus any extra words given after "--".
fingerprint() {
  local paths=() extra=()
  while (($#)); do
    if [[ "$1" == "--" ]]; then shift; extra=("$@"); break; fi
    paths+=("$1"); shift
  done
  {
    for p in "${paths[@]}"; do
      [[ -e "$p" ]] || { echo "missing $p"; continue; }
      find "$p" -type f ! -name '*.pyc' ! -path '*/__pycache__/*' -print0 \
        | LC_ALL=C sort -z | xargs -0 -r sha256sum
    done
    printf '%s\n' "${extra[@]+"${extra[@]}"}"
  } | sha256sum | cut -d' ' -f1
}
stamp_matches() { [[ -f "$FINGERPRINTS/$1" && "$(<"$FINGERPRINTS/$1")" == "$2" ]]; }
write_stamp() { printf '%s\n' "$2" >"$FINGERPRINTS/$1"; }
