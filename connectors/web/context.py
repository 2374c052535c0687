"""What every handler of the web service uses, built once from ``Settings`` at start."""

from __future__ import annotations

from dataclasses import dataclass

import jinja2
from aiohttp import web
from sqlalchemy import Engine

from connectors.web.rasa_api import RasaApi
from handoff.queue import HandoffQueue
from settings import PROJECT_ROOT, Settings
from shop.sql_service import SqlShopService

TEMPLATES_DIR = PROJECT_ROOT / "connectors" / "web" / "templates"
STATIC_DIR = PROJECT_ROOT / "connectors" / "web" / "static"
WIDGET_DIR = PROJECT_ROOT / "connectors" / "widget"


@dataclass(frozen=True)
class WebContext:
    settings: Settings
    engine: Engine  # the shop database, for the web service's own tables and queries
    shop: SqlShopService
    handoff: HandoffQueue
    rasa: RasaApi
    templates: jinja2.Environment


CONTEXT = web.AppKey("context", WebContext)


def templates() -> jinja2.Environment:
    """Every page goes through Jinja2 with autoescape on: shopper and agent text is escaped."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def context_of(request: web.Request) -> WebContext:
    return request.app[CONTEXT]


def render(
    request: web.Request, template: str, status: int = 200, **values: object
) -> web.Response:
    ctx = context_of(request)
    html = ctx.templates.get_template(template).render(settings=ctx.settings, **values)
    return web.Response(text=html, status=status, content_type="text/html")
