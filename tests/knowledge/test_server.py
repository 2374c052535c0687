"""The knowledge HTTP API over a real index, through the aiohttp test client."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from knowledge.base import KnowledgeBase
from knowledge.server import create_app

Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def client(
    kb: KnowledgeBase, aiohttp_client: Callable[[web.Application], Awaitable[Client]]
) -> Client:
    return await aiohttp_client(create_app(kb))


async def _post(client: Client, path: str, body: Any) -> tuple[int, dict[str, Any]]:
    response = await client.post(path, json=body)
    return response.status, await response.json()


async def test_health(client: Client, kb: KnowledgeBase) -> None:
    response = await client.get("/health")
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ok"
    assert body["products"] == len(kb.products.table)
    assert body["faq_entries"] == len(kb.faq.entries)


async def test_search_merges_parsed_and_explicit_filters(client: Client) -> None:
    status, body = await _post(
        client,
        "/v1/search/products",
        {
            "query": "running shoes under 80 in size 42",
            "filters": {"price_max_cents": 7000},
            "limit": 3,
        },
    )
    assert status == 200, body
    assert body["query"] == "running shoes"
    assert body["filters"]["size"] == "42"
    assert body["filters"]["subcategory"] == "running shoes"
    assert body["filters"]["price_max_cents"] == 7000  # the explicit filter wins
    assert 0 < len(body["hits"]) <= 3
    for hit in body["hits"]:
        assert hit["price_from_cents"] <= 7000 and "42" in hit["sizes"]
        assert hit["currency"] == "EUR"
    assert body["has_more"] == (body["total"] > len(body["hits"]))


async def test_filters_alone_and_paging(client: Client) -> None:
    first = await _post(
        client,
        "/v1/search/products",
        {"filters": {"colour": "blue"}, "limit": 4, "sort": "price_asc"},
    )
    second = await _post(
        client,
        "/v1/search/products",
        {"filters": {"colour": "blue"}, "limit": 4, "offset": 4, "sort": "price_asc"},
    )
    assert first[0] == second[0] == 200
    ids_1 = [h["product_id"] for h in first[1]["hits"]]
    ids_2 = [h["product_id"] for h in second[1]["hits"]]
    assert len(ids_1) == len(ids_2) == 4 and not set(ids_1) & set(ids_2)
    prices = [h["price_from_cents"] for h in first[1]["hits"] + second[1]["hits"]]
    assert prices == sorted(prices)


async def test_faq(client: Client) -> None:
    status, body = await _post(client, "/v1/faq", {"question": "can I pay with paypal?"})
    assert status == 200
    best = body["answers"][0]
    assert best["entry"]["id"] == "paypal" and best["confident"] is True
    assert body["threshold"] == 0.55
    status, body = await _post(client, "/v1/faq", {"question": "what is the capital of Peru"})
    assert status == 200
    assert all(not answer["confident"] for answer in body["answers"])


async def test_malformed_json_is_a_400(client: Client) -> None:
    for path in ("/v1/search/products", "/v1/faq"):
        response = await client.post(
            path, data=b"{not json", headers={"Content-Type": "application/json"}
        )
        assert response.status == 400
        assert "valid JSON" in (await response.json())["error"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ([], 400, "JSON object"),
        ({"query": 42}, 400, "'query' must be a string"),
        ({"query": ""}, 400, "must not be empty"),
        ({"query": "   "}, 400, "must not be empty"),
        ({"query": "x" * 2001}, 413, "longer than 2000"),
        ({"query": "shoes", "limit": 51}, 400, "'limit' must be between 1 and 50"),
        ({"query": "shoes", "limit": "5"}, 400, "'limit' must be a whole number"),
        ({"query": "shoes", "limit": True}, 400, "'limit' must be a whole number"),
        ({"query": "shoes", "offset": -1}, 400, "'offset'"),
        ({"query": "shoes", "sort": "price_desc"}, 400, "'sort'"),
        ({"query": "shoes", "filters": ["blue"]}, 400, "'filters' must be a JSON object"),
        ({"query": "shoes", "filters": {"colour": 3}}, 400, "'colour'"),
        ({"query": "shoes", "filters": {"shade": "blue"}}, 400, "Unknown filter(s) shade"),
        ({"query": "shoes", "filters": {"price_max_cents": 8.5}}, 400, "'price_max_cents'"),
        ({"query": "shoes", "filters": {"in_stock_only": "yes"}}, 400, "'in_stock_only'"),
        (
            {"query": "shoes", "filters": {"price_min_cents": 9, "price_max_cents": 1}},
            400,
            "must not be above",
        ),
    ],
)
async def test_bad_search_requests(client: Client, body: Any, status: int, message: str) -> None:
    got_status, got = await _post(client, "/v1/search/products", body)
    assert got_status == status
    assert message in got["error"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 400),
        ({"question": None}, 400),
        ({"question": ["a"]}, 400),
        ({"question": "q" * 2001}, 413),
        ({"question": "hi", "k": 0}, 400),
    ],
)
async def test_bad_faq_requests(client: Client, body: Any, status: int) -> None:
    got_status, got = await _post(client, "/v1/faq", body)
    assert got_status == status and got["error"]


async def test_oversized_body_and_unknown_routes_get_json_errors(client: Client) -> None:
    response = await client.post(
        "/v1/faq", data=b"{" + b" " * 100_000 + b"}", headers={"Content-Type": "application/json"}
    )
    assert response.status == 413
    assert "error" in await response.json()
    response = await client.get("/v1/nothing")
    assert response.status == 404 and "error" in await response.json()
    response = await client.get("/v1/faq")
    assert response.status == 405 and "error" in await response.json()


async def test_option_filters_and_a_dropped_filter_are_in_the_answer(client: Client) -> None:
    status, body = await _post(
        client,
        "/v1/search/products",
        {"query": "coffee table", "filters": {"options": {"wood": "walnut"}, "colour": "blue"}},
    )
    assert status == 200, body
    assert body["relaxed"] == ["colour"]
    assert body["filters"]["options"] == [["wood", "walnut"]]
    assert [hit["product_id"] for hit in body["hits"]] == ["H00003"]
    assert body["hits"][0]["price_from_cents"] == 27900


async def test_words_the_shop_does_not_sell_answer_no_match(client: Client) -> None:
    status, body = await _post(client, "/v1/search/products", {"query": "a mattress"})
    assert status == 200, body
    assert body["no_match"] is True and body["hits"] == []
    assert body["nearest_category"] == "bedding"


async def test_bad_option_filters_are_refused(client: Client) -> None:
    status, body = await _post(
        client, "/v1/search/products", {"query": "table", "filters": {"options": ["oak"]}}
    )
    assert status == 400 and "'options'" in body["error"]
