"""The shopper account commands, run as the operator runs them (password on stdin)."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import Engine

from settings import Settings
from shop.accounts import ShopperAccounts

PASSWORD = "typed on stdin only"


def run(settings: Settings, *args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHOP_DATABASE_URL": settings.shop_database_url, "LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "connectors.web", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_demo_shopper_prints_the_email_that_logs_in_with_the_password(
    settings: Settings, engine: Engine
) -> None:
    done = run(settings, "demo-shopper", stdin=PASSWORD + "\n")
    email = done.stdout.strip()
    login = ShopperAccounts(engine).login(email, PASSWORD)
    assert (done.returncode, login is not None) == (0, True)


def test_set_customer_password_for_an_unknown_email_fails_with_a_message(
    settings: Settings,
) -> None:
    done = run(
        settings, "set-customer-password", "--email", "nobody@example.invalid", stdin=PASSWORD
    )
    assert (done.returncode, "No customer with the e-mail" in done.stderr) == (1, True)
