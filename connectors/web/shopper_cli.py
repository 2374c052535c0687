"""Commands for shopper accounts of the storefront (``python -m connectors.web ...``).

    set-customer-password --email X   give a shop customer a storefront password
    demo-shopper                      the same for the demo shopper (the first customer by
                                      id); prints that customer's e-mail

The password is read from standard input (one line; typed without echo on a terminal),
never from the command line, where other users of the machine could read it in the
process list and the shell keeps it in its history.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from typing import Any

from settings import Settings
from shop.accounts import ShopperAccounts, UnknownCustomer, WeakPassword
from shop.db import create_engine_from_url, has_schema

logger = logging.getLogger(__name__)


class NoPassword(RuntimeError):
    """Standard input ended before a password."""


def read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != first:
            raise NoPassword("The two passwords differ.")
        return first
    line = sys.stdin.readline()
    if not line:
        raise NoPassword("No password on standard input.")
    return line.rstrip("\r\n")


def _accounts(settings: Settings) -> ShopperAccounts | None:
    engine = create_engine_from_url(settings.shop_database_url)
    if not has_schema(engine):
        print(
            "connectors.web: the shop database has no catalog yet; run scripts/setup.sh first.",
            file=sys.stderr,
        )
        return None
    return ShopperAccounts(engine)


def _set(accounts: ShopperAccounts, email: str) -> int:
    try:
        customer = accounts.set_password(email, read_password())
    except (UnknownCustomer, WeakPassword, NoPassword) as exc:
        print(f"connectors.web: {exc}", file=sys.stderr)
        return 1
    logger.info("Storefront password set for customer %s", customer.id)
    return 0


def cmd_set_customer_password(settings: Settings, args: argparse.Namespace) -> int:
    accounts = _accounts(settings)
    return 2 if accounts is None else _set(accounts, args.email)


def cmd_demo_shopper(settings: Settings, args: argparse.Namespace) -> int:
    accounts = _accounts(settings)
    if accounts is None:
        return 2
    customer = accounts.first_customer()
    if customer is None:
        print("connectors.web: the shop has no customers to log in as.", file=sys.stderr)
        return 1
    code = _set(accounts, customer.email)
    if code == 0:
        print(customer.email)
    return code


def add_commands(sub: Any) -> None:
    """Adds the shopper account commands to the web service's argument parser."""
    one = sub.add_parser(
        "set-customer-password",
        help="set a shop customer's storefront password (read from standard input)",
    )
    one.add_argument("--email", required=True)
    one.set_defaults(run=cmd_set_customer_password)
    demo = sub.add_parser(
        "demo-shopper",
        help="set the demo shopper's password (standard input) and print their e-mail",
    )
    demo.set_defaults(run=cmd_demo_shopper)
