"""The shopper's and the agent's pages in headless Chromium (Debian's, driven by Playwright).

The real stack (action server, Rasa server with the socket.io channel, web service) over a
copy of var/; each test opens its own browser contexts, so the shopper and the agent are
two separate browsers with their own cookies.

Set DOCS_SCREENSHOTS=docs/screenshots to also write the screenshots that docs/ shows.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect, sync_playwright

from scripts.browser import CHROMIUM, CHROMIUM_ARGS
from shop.api import OrderAccess
from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration

REPLY_TIMEOUT_MS = 60_000  # a bot turn on a busy 2-core machine stays far below this
AGENT_PASSWORD = "correct horse battery staple 7"
SCREENSHOTS = os.environ.get("DOCS_SCREENSHOTS")


@pytest.fixture(scope="module")
def web(stack: Stack) -> str:
    return stack.web_url


@pytest.fixture(scope="module")
def agent(stack: Stack, web: str) -> dict[str, str]:
    email = f"ana-{uuid.uuid4().hex[:6]}@shop.test"
    stack.web_command("create-agent", "--email", email, "--name", "Ana", stdin=AGENT_PASSWORD)
    return {"email": email, "name": "Ana"}


@pytest.fixture(scope="module")
def second_agent(stack: Stack, web: str) -> dict[str, str]:
    email = f"bo-{uuid.uuid4().hex[:6]}@shop.test"
    stack.web_command("create-agent", "--email", email, "--name", "Bo", stdin=AGENT_PASSWORD)
    return {"email": email, "name": "Bo"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()


def _context(browser: Browser) -> Iterator[BrowserContext]:
    """A browser of its own (cookies, storage) for one person."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(REPLY_TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def shopper(browser: Browser) -> Iterator[BrowserContext]:
    yield from _context(browser)


@pytest.fixture
def desk(browser: Browser) -> Iterator[BrowserContext]:
    yield from _context(browser)


def shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"))


def open_chat(page: Page) -> None:
    page.locator("#shopchat-launcher").click()
    expect(page.locator("#shopchat-input")).to_be_focused()


def say(page: Page, text: str) -> None:
    """Type a message, send it, and wait for the bot's next message."""
    bots = page.locator(".shopchat-msg-bot")
    before = bots.count()
    page.locator("#shopchat-input").fill(text)
    page.locator("#shopchat-input").press("Enter")
    expect(bots).not_to_have_count(before)
    expect(page.locator(".shopchat-msg-user").last).to_contain_text(text)


def log_in_agent(page: Page, web: str, agent: dict[str, str]) -> None:
    page.goto(f"{web}/desk/login")
    page.locator("#email").fill(agent["email"])
    page.locator("#password").fill(AGENT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Waiting shoppers")).to_be_visible()


def single_variant_product(stack: Stack) -> tuple[str, str]:
    """(id, title) of the first in-stock product with one variant: "add to cart" from its
    card adds it without asking for a size or colour."""
    for product in stack.shop.iter_products():
        if len(product.variants) == 1 and stack.shop.in_stock_product_ids([product.id]):
            return product.id, product.title
    raise AssertionError("the demo shop has no in-stock product with a single variant")


# --- shopper ------------------------------------------------------------------------------


def test_a_search_in_the_widget_shows_product_cards(shopper: BrowserContext, web: str) -> None:
    page = shopper.new_page()
    page.goto(f"{web}/")
    open_chat(page)
    say(page, "I'm looking for running shoes")
    cards = page.locator(".shopchat-carousel .shopchat-card")
    expect(cards.first).to_be_visible()
    expect(cards.first.get_by_role("button", name=re.compile("Add .* to cart"))).to_be_visible()
    shot(page, "widget-product-cards")


def test_add_to_cart_from_a_card_changes_the_storefront_cart(
    stack: Stack, shopper: BrowserContext, web: str
) -> None:
    _, title = single_variant_product(stack)
    page = shopper.new_page()
    page.goto(f"{web}/")
    expect(page.locator("#cart-count")).to_have_text("0")
    open_chat(page)
    say(page, title)
    card = page.locator(".shopchat-card", has_text=title).first
    card.get_by_role("button", name=re.compile("Add .* to cart")).click()
    # the page's cart badge follows the chat's cart without a reload
    expect(page.locator("#cart-count")).to_have_text("1")
    page.goto(f"{web}/cart")
    expect(page.locator("main")).to_contain_text(title)


def test_a_cart_filled_on_the_page_is_the_chats_cart(
    stack: Stack, shopper: BrowserContext, web: str
) -> None:
    product_id, title = single_variant_product(stack)
    handle = stack.shop.get_product(product_id).handle
    page = shopper.new_page()
    page.goto(f"{web}/products/{handle}")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-count")).to_have_text("1")
    open_chat(page)
    say(page, "what's in my cart?")
    expect(page.locator(".shopchat-msg-bot").last).to_contain_text(title)


def test_the_conversation_survives_a_reload(shopper: BrowserContext, web: str) -> None:
    page = shopper.new_page()
    page.goto(f"{web}/")
    open_chat(page)
    say(page, "how long does delivery take?")
    answer = page.locator(".shopchat-msg-bot").last.inner_text()
    page.reload()
    open_chat(page)
    expect(page.locator(".shopchat-msg-user").first).to_contain_text("how long does delivery take?")
    expect(page.locator(".shopchat-msg-bot").last).to_contain_text(answer.splitlines()[0])


def test_markup_typed_by_a_shopper_is_text_in_the_widget(shopper: BrowserContext, web: str) -> None:
    page = shopper.new_page()
    page.goto(f"{web}/")
    open_chat(page)
    typed = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    say(page, typed)
    expect(page.locator(".shopchat-msg-user").last).to_contain_text(typed)
    assert page.evaluate("window.__pwned === undefined")


def test_a_forged_customer_token_is_not_a_login(shopper: BrowserContext, web: str) -> None:
    page = shopper.new_page()
    page.goto(f"{web}/")
    page.evaluate("ShopChat.setCustomerToken('Q1VTVDAwMDE.9999999999.' + 'ab'.repeat(32))")
    open_chat(page)
    say(page, "show my orders")
    # a logged-in shopper gets their orders; anyone else is asked to identify themselves
    expect(page.locator(".shopchat-msg-bot").last).to_contain_text(re.compile("e-mail", re.I))


SHOPPER_PASSWORD = "a shopper's own password 42"


def test_a_shopper_who_logs_in_mid_conversation_keeps_the_cart_and_is_recognised(
    stack: Stack, shopper: BrowserContext, web: str
) -> None:
    product_id, _ = single_variant_product(stack)
    customer = stack.shop.get_customer("C00002")
    assert customer is not None
    stack.web_command("set-customer-password", "--email", customer.email, stdin=SHOPPER_PASSWORD)
    page = shopper.new_page()
    page.goto(f"{web}/products/{stack.shop.get_product(product_id).handle}")
    page.get_by_role("button", name="Add to cart").click()
    open_chat(page)
    say(page, "hi")
    page.goto(f"{web}/login")
    page.get_by_label("E-mail").fill(customer.email)
    page.get_by_label("Password").fill(SHOPPER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#cart-count")).to_have_text("1")  # the same cart after the login
    open_chat(page)
    expect(page.locator(".shopchat-msg-user").first).to_contain_text("hi")  # and the chat
    say(page, "show my orders")
    newest = stack.shop.list_orders(OrderAccess(customer_id=customer.id), 1)[0]
    expect(page.locator(".shopchat-msg-bot").last).to_contain_text(newest.number)


def test_a_message_typed_while_the_history_loads_is_shown_once(
    shopper: BrowserContext, web: str
) -> None:
    page = shopper.new_page()
    held: list[Route] = []

    def hold(route: Route) -> None:  # the history answers when the test releases it
        held.append(route)

    page.route("**/api/chat/history*", hold)
    page.goto(f"{web}/")
    open_chat(page)
    page.locator("#shopchat-input").fill("hi")
    page.locator("#shopchat-input").press("Enter")
    expect(page.locator(".shopchat-sending")).to_be_visible()
    for _ in range(200):  # 10 s at most
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the widget never asked for the history"
    held[0].continue_()
    expect(page.locator(".shopchat-msg-bot")).not_to_have_count(0)
    expect(page.locator(".shopchat-sending")).to_have_count(0)
    expect(page.locator(".shopchat-msg-user")).to_have_count(1)


def test_a_message_typed_offline_is_sent_once_when_the_network_is_back(
    stack: Stack, shopper: BrowserContext, web: str
) -> None:
    page = shopper.new_page()
    page.goto(f"{web}/")
    open_chat(page)
    say(page, "hi")
    session_id = page.locator("script[data-session-id]").get_attribute("data-session-id")
    assert session_id
    shopper.set_offline(True)
    expect(page.locator(".shopchat-status")).to_contain_text("Reconnecting")
    page.locator("#shopchat-input").fill("how long does delivery take?")
    page.locator("#shopchat-input").press("Enter")
    expect(page.locator(".shopchat-sending")).to_be_visible()
    shopper.set_offline(False)
    expect(page.locator(".shopchat-sending")).to_have_count(0)
    expect(page.locator(".shopchat-msg-bot").last).to_contain_text(re.compile("deliver", re.I))
    said = [e["text"] for e in stack.tracker(session_id)["events"] if e["event"] == "user"]
    assert said.count("how long does delivery take?") == 1


# --- agent desk ---------------------------------------------------------------------------


def test_the_desk_without_a_session_shows_the_login(desk: BrowserContext, web: str) -> None:
    page = desk.new_page()
    page.goto(f"{web}/desk/")
    expect(page).to_have_url(re.compile(r"/desk/login"))


def test_a_wrong_password_is_refused(desk: BrowserContext, web: str, agent: dict[str, str]) -> None:
    page = desk.new_page()
    page.goto(f"{web}/desk/login")
    page.locator("#email").fill(agent["email"])
    page.locator("#password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("wrong e-mail or password", ignore_case=True)
    expect(page).to_have_url(re.compile(r"/desk/login"))


def test_an_agent_takes_over_and_hands_back(
    stack: Stack,
    browser: Browser,
    shopper: BrowserContext,
    desk: BrowserContext,
    web: str,
    agent: dict[str, str],
    second_agent: dict[str, str],
) -> None:
    _, title = single_variant_product(stack)
    agent_page = desk.new_page()
    log_in_agent(agent_page, web, agent)  # the open queue page keeps Ana online

    page = shopper.new_page()
    page.goto(f"{web}/")
    open_chat(page)
    say(page, title)
    page.locator(".shopchat-card", has_text=title).first.get_by_role(
        "button", name=re.compile("Add .* to cart")
    ).click()
    expect(page.locator("#cart-count")).to_have_text("1")
    say(page, "I want to talk to a person")
    expect(page.locator(".shopchat-msg-bot").last).to_contain_text("will join this chat")

    # the request appears in the queue without a reload; its summary (the shopper's last
    # messages) names the product searched for, which no other request of the session does
    row = agent_page.locator("#queue-rows tr[data-request-id]", has_text=title)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("I want to talk to a person")
    shot(agent_page, "desk-queue")
    row.get_by_role("link").click()
    agent_page.get_by_role("button", name="Claim this conversation").click()
    expect(agent_page.locator("section", has=agent_page.locator("#cart-title"))).to_contain_text(
        title
    )

    # a second agent sees who holds it, and a claim sent anyway is refused
    other = browser.new_context()
    try:
        other_page = other.new_page()
        log_in_agent(other_page, web, second_agent)
        other_page.goto(agent_page.url)
        expect(other_page.locator("#claim-state")).to_contain_text("Taken by Ana")
        expect(other_page.get_by_role("button", name="Claim this conversation")).to_have_count(0)
        csrf = other_page.locator('meta[name="csrf-token"]').get_attribute("content")
        refused = other.request.post(
            f"{agent_page.url}/claim",
            headers={"X-CSRF-Token": csrf or "", "Accept": "application/json"},
        )
        assert refused.status == 409
    finally:
        other.close()

    agent_page.locator("#reply-text").fill("Hello, I can see your cart. How can I help?")
    agent_page.get_by_role("button", name="Send").click()
    expect(page.locator(".shopchat-agent-banner")).to_contain_text("Ana")
    expect(page.locator(".shopchat-msg-agent").last).to_contain_text("Hello, I can see your cart.")
    shot(page, "widget-agent")
    shot(agent_page, "desk-conversation")

    agent_page.get_by_role("button", name="Hand back to the bot").click()
    expect(page.locator(".shopchat-agent-banner")).to_have_count(0)
    say(page, "how long does delivery take?")
    expect(page.locator(".shopchat-msg-bot").last).not_to_have_class(
        re.compile("shopchat-msg-agent")
    )


def test_shopper_markup_is_text_on_the_desk(
    shopper: BrowserContext, desk: BrowserContext, web: str, agent: dict[str, str]
) -> None:
    typed = '<img src=x onerror="window.__pwned=1">I need a human please'
    page = shopper.new_page()
    page.goto(f"{web}/")
    open_chat(page)
    say(page, typed)
    say(page, "talk to a person")
    agent_page = desk.new_page()
    log_in_agent(agent_page, web, agent)
    row = agent_page.locator("#queue-rows tr[data-request-id]", has_text="I need a human please")
    expect(row).to_have_count(1)
    row.get_by_role("link").click()
    expect(agent_page.locator("#transcript")).to_contain_text(typed)
    assert agent_page.evaluate("window.__pwned === undefined")
