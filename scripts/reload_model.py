"""Tell a running Rasa server to load a newly trained model (Rasa HTTP API, ``PUT /model``).

Run by ``scripts/setup.sh`` after it retrained, so a catalog import reaches a running
assistant without a restart. Reads RASA_HOST, RASA_PORT and RASA_TOKEN (exported by
``scripts/env.sh``). No server answering is not an error: the next start loads the model.
With several Rasa replicas, run it once per replica (``RASA_HOST``/``RASA_PORT``) or roll
them; see docs/deployment.md.

Exit status: 0 loaded or no server running, 1 a server answered but refused the model.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

TIMEOUT_SECONDS = 2.0  # is a server there at all?
LOAD_TIMEOUT_SECONDS = 300.0  # loading a model takes a while on two cores


def reload_model(model: Path, *, base_url: str, token: str) -> str:
    """Ask the server at ``base_url`` to load ``model``; returns what happened, in words."""
    query = urllib.parse.urlencode({"token": token})
    try:
        with urllib.request.urlopen(f"{base_url}/", timeout=TIMEOUT_SECONDS):
            pass
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        return "no Rasa server is running; the next start loads the new model"
    body = json.dumps({"model_file": str(model.resolve())}).encode()
    request = urllib.request.Request(
        f"{base_url}/model?{query}",
        data=body,
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=LOAD_TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        raise ReloadRefused(f"{base_url} refused the model: HTTP {exc.code} {exc.reason}") from exc
    if status != 204:
        raise ReloadRefused(f"{base_url} answered HTTP {status} to PUT /model")
    return f"the Rasa server at {base_url} now runs {model}"


class ReloadRefused(RuntimeError):
    """A Rasa server answered but did not load the model."""


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m scripts.reload_model MODEL.tar.gz", file=sys.stderr)
        return 2
    host = os.environ.get("RASA_HOST") or "127.0.0.1"
    port = os.environ.get("RASA_PORT") or "5005"
    token = os.environ.get("RASA_TOKEN") or ""
    try:
        print("    " + reload_model(Path(argv[1]), base_url=f"http://{host}:{port}", token=token))
    except ReloadRefused as exc:
        print(f"reload_model: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
