"""HTTP JSON API of the knowledge base (aiohttp): product search and FAQ answers.

``create_app(kb)`` returns the application; ``python -m knowledge serve`` runs it. Bad
input (malformed JSON, wrong types, empty or too long queries) gets a 4xx JSON error, never
a 500. Searches run in a worker thread: query embedding and stock look-ups block.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict
from typing import Any

from aiohttp import web

from knowledge.api import SearchFilters
from knowledge.base import KnowledgeBase
from knowledge.errors import InvalidSearch
from knowledge.product_search import MAX_LIMIT, SORTS

log = logging.getLogger(__name__)

KB_KEY = web.AppKey("knowledge_base", KnowledgeBase)
MAX_QUERY_CHARS = 2000
MAX_OFFSET = 10_000
MAX_BODY_BYTES = 64 * 1024
_TEXT_FILTERS = ("category", "subcategory", "colour", "size", "brand", "material")
_CENT_FILTERS = ("price_min_cents", "price_max_cents")


class BadRequest(ValueError):
    """A request the API refuses; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message, "status": status}, status=status)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def errors_as_json(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except BadRequest as exc:
        return _error(exc.status, str(exc))
    except InvalidSearch as exc:
        return _error(400, str(exc))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _error(exc.status, exc.reason)


async def _json_object(request: web.Request) -> dict[str, Any]:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise BadRequest(f"Request body is larger than {MAX_BODY_BYTES} bytes.", 413)
    raw = await request.read()
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequest(f"Request body is larger than {MAX_BODY_BYTES} bytes.", 413)
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("Request body must be valid JSON.") from None
    if not isinstance(body, dict):
        raise BadRequest("Request body must be a JSON object.")
    return body


def _text_field(body: dict[str, Any], name: str, *, required: bool) -> str:
    value = body.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise BadRequest(f"'{name}' must be a string.")
    if len(value) > MAX_QUERY_CHARS:
        raise BadRequest(f"'{name}' is longer than {MAX_QUERY_CHARS} characters.", 413)
    if required and not value.strip():
        raise BadRequest(f"'{name}' must not be empty.")
    return value


def _int_field(body: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"'{name}' must be a whole number.")
    if not low <= value <= high:
        raise BadRequest(f"'{name}' must be between {low} and {high}, got {value}.")
    return value


def parse_filters(raw: object) -> SearchFilters:
    """Explicit filters of a search request, validated."""
    if raw is None:
        return SearchFilters()
    if not isinstance(raw, dict):
        raise BadRequest("'filters' must be a JSON object.")
    known = (*_TEXT_FILTERS, *_CENT_FILTERS, "in_stock_only", "options")
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise BadRequest(f"Unknown filter(s) {', '.join(unknown)}; allowed: {', '.join(known)}.")
    values: dict[str, Any] = {}
    for name in _TEXT_FILTERS:
        value = raw.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise BadRequest(f"Filter '{name}' must be a non-empty string (at most 200 chars).")
        values[name] = value.strip()
    for name in _CENT_FILTERS:
        value = raw.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise BadRequest(f"Filter '{name}' must be a whole number of cents, 0 or more.")
        values[name] = value
    options = raw.get("options")
    if options is not None:
        if not isinstance(options, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip() and len(k) + len(v) <= 200
            for k, v in options.items()
        ):
            raise BadRequest(
                "Filter 'options' must be an object of option name to value, "
                'e.g. {"wood": "oak"} ("" as the name matches any option).'
            )
        values["options"] = tuple((k.strip(), v.strip()) for k, v in options.items())
    stock = raw.get("in_stock_only", False)
    if not isinstance(stock, bool):
        raise BadRequest("Filter 'in_stock_only' must be true or false.")
    values["in_stock_only"] = stock
    low, high = values.get("price_min_cents"), values.get("price_max_cents")
    if low is not None and high is not None and low > high:
        raise BadRequest("'price_min_cents' must not be above 'price_max_cents'.")
    return SearchFilters(**values)


async def health(request: web.Request) -> web.Response:
    kb = request.app[KB_KEY]
    return web.json_response(
        {
            "status": "ok",
            "products": len(kb.products.table),
            "faq_entries": len(kb.faq.entries),
            "model": kb.embedder.name,
        }
    )


async def search_products(request: web.Request) -> web.Response:
    body = await _json_object(request)
    filters = parse_filters(body.get("filters"))
    query = _text_field(body, "query", required=filters == SearchFilters())
    limit = _int_field(body, "limit", 5, 1, MAX_LIMIT)
    offset = _int_field(body, "offset", 0, 0, MAX_OFFSET)
    sort = body.get("sort")
    if sort is not None and sort not in SORTS:
        raise BadRequest(f"'sort' must be one of {', '.join(SORTS)}.")
    kb = request.app[KB_KEY]
    results = await asyncio.to_thread(
        kb.search, query, filters, limit=limit, offset=offset, sort=sort
    )
    payload = asdict(results)
    payload["has_more"] = results.has_more
    return web.json_response(payload)


async def ask_faq(request: web.Request) -> web.Response:
    body = await _json_object(request)
    question = _text_field(body, "question", required=True)
    k = _int_field(body, "k", 3, 1, 10)
    kb = request.app[KB_KEY]
    results = await asyncio.to_thread(kb.ask, question, k)
    payload = asdict(results)
    payload["threshold"] = kb.faq.threshold
    return web.json_response(payload)


def create_app(kb: KnowledgeBase) -> web.Application:
    """The knowledge API over an opened ``KnowledgeBase``."""
    app = web.Application(middlewares=[errors_as_json], client_max_size=MAX_BODY_BYTES)
    app[KB_KEY] = kb

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        await asyncio.to_thread(app[KB_KEY].warm_up)
        log.info("Knowledge API ready (%d products)", len(app[KB_KEY].products.table))
        yield
        log.info("Knowledge API stopped")

    app.cleanup_ctx.append(lifecycle)
    app.router.add_get("/health", health)
    app.router.add_post("/v1/search/products", search_products)
    app.router.add_post("/v1/faq", ask_faq)
    return app
