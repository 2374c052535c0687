"""Running a script in the Rasa venv (Python 3.10) from the app's tests.

The Rasa-side code (``connectors/``, ``bot/components/``) runs inside the Rasa server, so
its tests run it there too: with the project root on the path, TensorFlow quiet and no
telemetry, the way the Rasa server of the stack runs it.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"


def run_in_rasa_venv(script: str, *args: str, timeout: float = 280) -> Any:
    """Run ``script`` with ``args`` in the Rasa venv; the JSON its last output line holds.

    Fails the test with Rasa's own error output when the script fails.
    """
    if not RASA_PYTHON.is_file():
        pytest.fail(f"{RASA_PYTHON} is missing: run scripts/setup.sh to create the Rasa venv.")
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", script, *args],
        cwd=ROOT,
        env={
            "PYTHONPATH": str(ROOT),
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "RASA_TELEMETRY_ENABLED": "false",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
