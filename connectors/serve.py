"""Start the Rasa server without its token on the command line (run in the Rasa venv).

    RASA_TOKEN=... python -m connectors.serve --enable-api --port 5005 --model var/models ...

``rasa run --auth-token TOKEN`` puts the token of Rasa's HTTP API in the process list,
where every user of the machine can read it (``ps``, /proc/PID/cmdline). This launcher
takes the same arguments as ``rasa run`` except ``--auth-token``, reads the token from
``RASA_TOKEN`` (or the file named by ``RASA_TOKEN_FILE``), removes it from the environment
so nothing Rasa starts inherits it, and hands everything to Rasa's own command line entry
point (``rasa.__main__.main``), so logging, telemetry and start-up are exactly those of
``rasa run``. Changing ``sys.argv`` inside the process does not change what ``ps`` shows.

It also installs the action response check speed-up (``connectors.action_response_check``)
and puts an SQLite tracker database in WAL mode (``connectors.tracker_db``: a turn's commit
no longer creates and syncs a rollback journal). Both fail open: Rasa starts with its own
check, and with the database as it was, if they do not fit.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, MutableMapping, Sequence
from pathlib import Path

TOKEN_VARIABLE = "RASA_TOKEN"
TOKEN_FILE_VARIABLE = "RASA_TOKEN_FILE"


class LaunchError(Exception):
    """The launcher cannot start Rasa; the message says what to do."""


def read_token(env: Mapping[str, str]) -> str:
    """The token from RASA_TOKEN, else from the file RASA_TOKEN_FILE names."""
    token = (env.get(TOKEN_VARIABLE) or "").strip()
    if token:
        return token
    path = env.get(TOKEN_FILE_VARIABLE)
    if path:
        try:
            token = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise LaunchError(f"cannot read the Rasa token file {path}: {exc}") from exc
    if not token:
        raise LaunchError(
            f"no token for Rasa's HTTP API: set {TOKEN_VARIABLE} or {TOKEN_FILE_VARIABLE} "
            "(scripts/setup.sh writes one to var/secrets/rasa_token)."
        )
    return token


def rasa_argv(args: Sequence[str], token: str) -> list[str]:
    """``rasa run`` arguments with the token added; a token given on the line is refused."""
    if any(a == "--auth-token" or a.startswith("--auth-token=") or a == "-t" for a in args):
        raise LaunchError(
            "do not pass --auth-token on the command line (it shows in `ps`); "
            f"set {TOKEN_VARIABLE} or {TOKEN_FILE_VARIABLE} instead."
        )
    # one argument with "=": a token that starts with "-" (token_urlsafe makes them) is not
    # taken for an option by argparse
    return ["rasa", "run", *args, f"--auth-token={token}"]


def prepare(args: Sequence[str], env: MutableMapping[str, str]) -> list[str]:
    """Read and remove the token, install the speed-ups; the argv for Rasa's main()."""
    token = read_token(env)
    env.pop(TOKEN_VARIABLE, None)
    env.pop(TOKEN_FILE_VARIABLE, None)
    from connectors import action_response_check, tracker_db

    action_response_check.install()  # never raises; logs when it leaves Rasa alone
    tracker_db.prepare(args, env)  # never raises; logs when it leaves the database alone
    return rasa_argv(args, token)


def main(argv: Sequence[str] | None = None) -> int:
    # No logging set-up here: Rasa's main() configures it. Until then a warning from
    # action_response_check.install() reaches stderr through logging's last-resort handler.
    try:
        sys.argv = prepare(sys.argv[1:] if argv is None else argv, os.environ)
    except LaunchError as exc:
        print(f"connectors.serve: {exc}", file=sys.stderr)
        return 2
    from rasa.__main__ import main as rasa_main

    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
