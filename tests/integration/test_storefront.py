"""The storefront beside the real dialogue: one conversation id, one history, one cart.

The web service, Rasa and the action server run as real processes over a copy of var/
(the session's ``stack``; the web service starts on first use of ``stack.web_url``).
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import secrets
import urllib.parse
import urllib.request
from typing import Any

import pytest

from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration


class Browser:
    """A client with a cookie jar, like one browser tab."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str]:
        with self.opener.open(self.base + path, timeout=30) as resp:
            return resp.status, resp.read().decode()

    def cookie(self, name: str) -> str:
        return next(c.value for c in self.jar if c.name == name and c.value is not None)


def history(stack: Stack, session_id: str) -> dict[str, Any]:
    query = urllib.parse.urlencode({"session_id": session_id})
    with urllib.request.urlopen(f"{stack.web_url}/api/chat/history?{query}", timeout=30) as r:
        body: dict[str, Any] = json.load(r)
        return body


def slots(stack: Stack, sender: str) -> dict[str, Any]:
    found = stack.tracker(sender).get("slots")
    assert isinstance(found, dict)
    return found


def test_the_history_holds_a_rest_conversations_messages(stack: Stack) -> None:
    session_id = secrets.token_hex(16)
    replies = stack.send(session_id, "hi")
    messages = history(stack, session_id)["messages"]
    assert [(m["sender"], m["text"]) for m in messages] == [("user", "hi")] + [
        ("bot", r.get("text")) for r in replies
    ]


def test_a_cart_filled_in_the_chat_shows_on_the_cart_page(stack: Stack) -> None:
    browser = Browser(stack.web_url)
    browser.get("/")
    session_id = browser.cookie("shop_session")
    product = next(
        p
        for p in stack.shop.iter_products()
        if len(p.variants) == 1 and stack.shop.availability(p.id).online_available >= 3
    )
    stack.say(session_id, product.title)
    shown = slots(stack, session_id)["last_results"]
    assert product.id in shown, (product.title, shown)
    stack.say(session_id, f'/select_product{{"ordinal": "{shown.index(product.id) + 1}"}}')
    stack.say(session_id, "add it to my cart")
    status, html = browser.get("/cart")
    skus = re.findall(r'<input type="hidden" name="sku" value="([^"]+)">', html)
    assert (status, sorted(set(skus))) == (200, [product.variants[0].sku])
