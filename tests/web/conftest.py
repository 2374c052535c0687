"""Fixtures for the web service: the real app over a scratch copy of the shop database.

``var_copy`` copies the state scripts/setup.sh built (var/, or ASSISTANT_VAR_DIR) once per
session with ``scripts.stackctl.copy_state``; each test gets its own SQLite copy of that
shop, so a test can add a cart line, a password or a product without touching var/ or
another test. Rasa is NOT running: ``RASA_URL`` points at a free port nobody listens on,
so pages that need no dialogue work and the chat API's "Rasa is down" answer is real.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import Engine

from connectors.web.app import create_app
from connectors.web.context import WebContext, templates
from connectors.web.rasa_api import RasaApi
from connectors.web.store_session import SESSION_COOKIE
from handoff.queue import HandoffQueue
from scripts.stackctl import ROOT, copy_state, free_port
from settings import Settings
from shop.db import create_engine_from_url
from shop.sql_service import SqlShopService

Client = TestClient[web.Request, web.Application]
SECRET = "test-customer-token-secret"
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


@pytest.fixture(scope="session")
def var_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = Path(os.environ.get("ASSISTANT_VAR_DIR") or ROOT / "var")
    target = tmp_path_factory.mktemp("var")
    copy_state(source, target)
    return target


@pytest.fixture
def shop_db(var_copy: Path, tmp_path: Path) -> Path:
    target = tmp_path / "shop.db"
    with sqlite3.connect(var_copy / "shop.db") as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


@pytest.fixture
def settings(shop_db: Path, tmp_path: Path) -> Settings:
    return Settings.from_env(
        {
            "ASSISTANT_VAR_DIR": str(tmp_path),
            "SHOP_DATABASE_URL": f"sqlite:///{shop_db}",
            "CUSTOMER_TOKEN_SECRET": SECRET,
            "RASA_URL": f"http://127.0.0.1:{free_port()}",  # nobody listens there
            "RASA_TOKEN": "test-rasa-token",
            "LOG_LEVEL": "WARNING",
        }
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = create_engine_from_url(settings.shop_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def context(settings: Settings, engine: Engine) -> WebContext:
    return WebContext(
        settings=settings,
        engine=engine,
        shop=SqlShopService(engine, currency=settings.currency),
        handoff=HandoffQueue(engine),
        rasa=RasaApi(settings.rasa_url, settings.rasa_token),
        templates=templates(),
    )


@pytest.fixture
async def client(
    context: WebContext, aiohttp_client: Callable[[web.Application], Awaitable[Client]]
) -> Client:
    return await aiohttp_client(create_app(context))


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def session_of(client: Client) -> str:
    for cookie in client.session.cookie_jar:
        if cookie.key == SESSION_COOKIE:
            return cookie.value
    raise AssertionError("no shop_session cookie")


async def page(client: Client, path: str, status: int = 200) -> str:
    response = await client.get(path)
    text = await response.text()
    assert response.status == status, text[:500]
    return text


async def post_form(
    client: Client, path: str, data: dict[str, Any], *, csrf_from: str = "/login"
) -> tuple[int, str]:
    """POST ``data`` with the CSRF token of the page ``csrf_from``; no redirect following."""
    token = csrf_of(await page(client, csrf_from))
    response = await client.post(path, data={"csrf_token": token, **data}, allow_redirects=False)
    return response.status, await response.text()
