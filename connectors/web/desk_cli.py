"""Agent accounts from the command line: ``create-agent``, ``list-agents``, ``disable-agent``.

    python -m connectors.web create-agent --email ana@shop.example --name "Ana Silva"

The password is read from standard input when it is piped (first line), else asked twice
without echo; it is never an argument, so it stays out of shell history and ``ps``.
Weak passwords are refused with the reason (``handoff.agents.check_password``).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TextIO

from handoff.agents import AgentDirectory, AgentError
from settings import Settings
from shop.db import create_engine_from_url


def read_password(stdin: TextIO = sys.stdin) -> str:
    """The new password: the first line of piped input, or typed twice at a terminal."""
    if not stdin.isatty():
        return stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    second = getpass.getpass("Password again: ")
    if first != second:
        raise AgentError("The two passwords differ; nothing was created.")
    return first


def _directory(settings: Settings) -> AgentDirectory:
    return AgentDirectory(create_engine_from_url(settings.shop_database_url))


def cmd_create_agent(settings: Settings, args: argparse.Namespace) -> int:
    try:
        password = read_password()
        agent = _directory(settings).create(args.email, args.name, password)
    except AgentError as exc:
        print(f"create-agent: {exc}", file=sys.stderr)
        return 1
    print(f"Agent {agent.id} created: {agent.email} ({agent.display_name}).")
    return 0


def cmd_list_agents(settings: Settings, args: argparse.Namespace) -> int:
    for agent in _directory(settings).list():
        state = "active" if agent.active else "disabled"
        seen = agent.last_seen_at.isoformat(timespec="seconds") if agent.last_seen_at else "never"
        print(f"{agent.id}\t{agent.email}\t{agent.display_name}\t{state}\tlast seen {seen}")
    return 0


def cmd_disable_agent(settings: Settings, args: argparse.Namespace) -> int:
    try:
        agent = _directory(settings).set_active(args.email, args.enable)
    except AgentError as exc:
        print(f"disable-agent: {exc}", file=sys.stderr)
        return 1
    print(f"Agent {agent.email} is now {'active' if agent.active else 'disabled'}.")
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    create = sub.add_parser("create-agent", help="create a desk agent (password from stdin)")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True, help="display name; shoppers see the first name")
    create.set_defaults(run=cmd_create_agent)
    listing = sub.add_parser("list-agents", help="list desk agents")
    listing.set_defaults(run=cmd_list_agents)
    disable = sub.add_parser("disable-agent", help="disable a desk agent (ends their sessions)")
    disable.add_argument("--email", required=True)
    disable.add_argument("--enable", action="store_true", help="re-enable instead")
    disable.set_defaults(run=cmd_disable_agent)
