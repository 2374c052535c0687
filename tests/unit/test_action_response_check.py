"""connectors/action_response_check.py inside the real Rasa 3.6 (run in the Rasa venv).

The patch must accept what Rasa accepts, reject what Rasa rejects with the same message, be
installed by the Rasa launcher (connectors/serve.py), and actually be faster than Rasa's
check. It must fail open: a moved import, another Rasa version or a validator that breaks
at run time leave Rasa's own check in place, logged, and the REST channel loads even if
the patch module cannot be imported at all.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.rasa_venv import run_in_rasa_venv

ROOT = Path(__file__).resolve().parents[2]


CHECK = textwrap.dedent(
    """
    import json, logging, sys, time
    from jsonschema import ValidationError

    # 1. the channel loads although the patch module cannot be imported
    sys.modules["connectors.action_response_check"] = None
    from connectors.rest_channel import ShopRestInput
    channel = ShopRestInput.from_credentials({"action_health_url": "http://127.0.0.1:9/h"})
    blueprint = channel.blueprint(lambda message: None)
    del sys.modules["connectors.action_response_check"]

    import rasa
    from rasa.core.actions.action import RemoteAction
    from connectors import action_response_check as check
    from connectors import serve

    records = []
    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())
    logging.getLogger("connectors.action_response_check").addHandler(Collect())

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

    def attempt(name):
        del records[:]
        return {"installed": check.install(), "still_rasas": not check.installed(),
                "bad": outcome(bad), "log": list(records)}

    result = {"channel": {"name": channel.name(), "blueprint": blueprint.name}}
    result["original"] = {"good": outcome(good), "bad": outcome(bad), "ms": per_call_ms()}

    # 2. another Rasa version
    real_version = rasa.__version__
    rasa.__version__ = "3.7.0"
    result["other_version"] = attempt("other_version")
    rasa.__version__ = real_version

    # 3. a moved import
    check.ACTION_MODULE = "rasa.core.actions.moved_away"
    result["moved_import"] = attempt("moved_import")
    check.ACTION_MODULE = "rasa.core.actions.action"

    # 4. the launcher installs it; the token goes to Rasa's argv, not the environment
    env = {"RASA_TOKEN": "s3cret", "OTHER": "x"}
    argv = serve.prepare(["--enable-api", "--port", "5005"], env)
    result["launcher"] = {"argv": argv, "env": env, "installed": check.installed()}
    result["patched"] = {"good": outcome(good), "bad": outcome(bad), "ms": per_call_ms()}

    # 5. the cached validator breaks at run time: Rasa's own check takes over, logged
    del records[:]
    check._patch._validator = object()
    result["broken_at_run_time"] = {"good": outcome(good), "bad": outcome(bad),
                                    "installed": check.installed(), "log": list(records)}
    print(json.dumps(result))
    """
)


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, object]]:
    parsed: dict[str, dict[str, object]] = run_in_rasa_venv(CHECK, timeout=240)
    return parsed


def test_the_launcher_installs_the_cached_check(results: dict[str, dict[str, object]]) -> None:
    assert results["launcher"]["installed"] is True


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


def test_the_channel_loads_when_the_patch_module_cannot_be_imported(
    results: dict[str, dict[str, object]],
) -> None:
    assert results["channel"] == {"name": "rest", "blueprint": "custom_webhook_ShopRestInput"}


@pytest.mark.parametrize(
    ("case", "logged"),
    [
        ("other_version", "running Rasa 3.7.0"),
        ("moved_import", "does not look like the one it was written for"),
    ],
)
def test_an_unexpected_rasa_keeps_rasas_own_check_and_says_why(
    results: dict[str, dict[str, object]], case: str, logged: str
) -> None:
    attempt = results[case]
    assert attempt["installed"] is False
    assert attempt["still_rasas"] is True
    assert attempt["bad"] == results["original"]["bad"]
    log = attempt["log"]
    assert isinstance(log, list) and len(log) == 1 and logged in log[0]


def test_a_validator_failing_at_run_time_hands_back_to_rasas_check(
    results: dict[str, dict[str, object]],
) -> None:
    broken = results["broken_at_run_time"]
    assert broken["good"] == ["ok", True]
    assert broken["bad"] == results["original"]["bad"]
    assert broken["installed"] is False
    log = broken["log"]
    assert isinstance(log, list) and len(log) == 1
    assert "Rasa's own check is used from now on" in log[0]


def test_the_launcher_keeps_the_token_off_the_command_line_and_out_of_the_environment(
    results: dict[str, dict[str, object]],
) -> None:
    launcher = results["launcher"]
    assert launcher["argv"] == [
        "rasa",
        "run",
        "--enable-api",
        "--port",
        "5005",
        "--auth-token=s3cret",
    ]
    assert launcher["env"] == {"OTHER": "x"}
