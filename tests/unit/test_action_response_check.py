"""connectors/action_response_check.py inside the real Rasa 3.6 (run in the Rasa venv).

The patch must accept what Rasa accepts, reject what Rasa rejects with the same message,
be installed when Rasa loads our REST channel, and actually be faster than Rasa's check.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

CHECK = textwrap.dedent(
    """
    import json, time
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction
    from connectors import action_response_check as check
    from connectors.rest_channel import ShopRestInput

    action = RemoteAction("action_search_products", None)
    good = {
        "events": [{"event": "slot", "name": "search_state", "value": {"query": "bag"}},
                   {"event": "slot", "name": "last_results", "value": ["P1", "P2"]}],
        "responses": [{"text": "I found 2 for bag:", "buttons": [{"title": "1", "payload": "/x"}]}],
    }
    bad = {"events": [{"event": "slot", "name": 3}], "responses": "oops"}

    def outcome(response):
        try:
            return ["ok", action._validate_action_result(json.loads(json.dumps(response)))]
        except ValidationError as error:
            return ["error", error.message]

    def per_call_ms(n=15):
        started = time.perf_counter()
        for _ in range(n):
            action._validate_action_result(good)
        return (time.perf_counter() - started) * 1000 / n

    original = {"good": outcome(good), "bad": outcome(bad), "ms": per_call_ms()}
    ShopRestInput.from_credentials({"action_health_url": "http://127.0.0.1:9/health"})
    patched = {"good": outcome(good), "bad": outcome(bad), "ms": per_call_ms(),
               "installed": check.installed()}
    print(json.dumps({"original": original, "patched": patched}))
    """
)


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, object]]:
    if not RASA_PYTHON.is_file():
        pytest.fail(f"{RASA_PYTHON} is missing: run scripts/setup.sh to create the Rasa venv.")
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", CHECK],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    parsed: dict[str, dict[str, object]] = json.loads(done.stdout.strip().splitlines()[-1])
    return parsed


def test_loading_the_rest_channel_installs_the_cached_check(
    results: dict[str, dict[str, object]],
) -> None:
    assert results["patched"]["installed"] is True


def test_a_valid_response_is_accepted_as_before(results: dict[str, dict[str, object]]) -> None:
    assert results["original"]["good"] == ["ok", True]
    assert results["patched"]["good"] == ["ok", True]


def test_an_invalid_response_is_rejected_with_rasas_message(
    results: dict[str, dict[str, object]],
) -> None:
    outcome = results["patched"]["bad"]
    assert isinstance(outcome, list) and outcome[0] == "error"
    assert "Failed to validate Action server response" in str(outcome[1])
    assert results["patched"]["bad"] == results["original"]["bad"]


def test_the_check_is_much_cheaper_than_rasas(results: dict[str, dict[str, object]]) -> None:
    original, patched = results["original"]["ms"], results["patched"]["ms"]
    assert isinstance(original, float) and isinstance(patched, float)
    # measured: ~19 ms against ~0.5 ms per call; a loose bound survives a busy machine
    assert patched * 5 < original, (original, patched)
