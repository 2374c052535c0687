"""The action server refuses opening hours it cannot read, before serving anything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from settings import PROJECT_ROOT


def test_unreadable_desk_hours_stop_the_action_server_with_a_clear_message(
    tmp_path: Path,
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "actions"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(PROJECT_ROOT),
            "ASSISTANT_VAR_DIR": str(tmp_path),
            "DESK_HOURS": "Mon-Fri 9h-18h",
        },
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("Configuration error: DESK_HOURS: '9h-18h'"), result.stderr
