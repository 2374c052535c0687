"""Product discovery: a new search, refining it, cheaper results, the next page.

Filters come from two readers of the same message: the NLU entities and the knowledge
base's query parser (``kb.parser.parse``); the parser wins where both found something
(it reads price phrases like "under 80" more reliably). A new search starts from empty
filters; a refinement merges into the filters already in ``search_state``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue import references, services
from actions.dialogue import tracker_input as said
from actions.dialogue.base import ShopAction, call, price
from actions.dialogue.card_replies import products_card_by_id
from actions.dialogue.faq import confident_entry, utter_answer
from actions.dialogue.focus import (
    chosen_from_results,
    page_product_meant,
    product_by_id,
    shown_products,
)
from actions.dialogue.formatting import filters_phrase, hit_line
from actions.dialogue.product_info import present_product
from actions.dialogue.search_state import PAGE_SIZE, SearchState, entity_filters
from knowledge.api import ParsedQuery, SearchFilters, SearchResults

_FILLER = {
    "any",
    "anything",
    "some",
    "ones",
    "one",
    "them",
    "those",
    "please",
    "in",
    "only",
    "show",
    "me",
    "what",
    "about",
    "do",
    "you",
    "have",
    "the",
    "a",
    "with",
    "and",
    "youve",
    "ive",
    "got",
    "u",
}


def filters_from_entities(tracker: Tracker) -> SearchFilters:
    values = {
        name: said.entity(tracker, name)
        for name in ("category", "colour", "size", "brand", "material")
    }
    price_max = said.parse_price_cents(said.entity(tracker, "price", role="max"))
    price_min = said.parse_price_cents(said.entity(tracker, "price", role="min"))
    if price_max is None and price_min is None:
        price_max = said.parse_price_cents(said.entity(tracker, "price"))
    return entity_filters(values, price_min_cents=price_min, price_max_cents=price_max)


async def understand(tracker: Tracker) -> tuple[ParsedQuery, SearchFilters]:
    """The message's free text and its filters (entities refined by the parser)."""
    parsed = await call(services.current().knowledge.parser.parse, said.text(tracker))
    return parsed, filters_from_entities(tracker).merged(parsed.filters)


def meaningful(query: str) -> str:
    words = [w for w in query.lower().split() if w.strip("?!.,") not in _FILLER]
    return " ".join(words).strip(" ?!.,")


async def run_search(state: SearchState) -> SearchResults:
    knowledge = services.current().knowledge
    return await call(
        knowledge.products.search,
        state.query,
        state.filters,
        limit=PAGE_SIZE,
        offset=state.offset,
        sort=state.sort,
    )


async def show_results(
    dispatcher: CollectingDispatcher,
    state: SearchState,
    results: SearchResults,
    *,
    intro: str | None = None,
) -> list[dict[str, Any]]:
    """Say the page of results and return the slot events that remember it.

    When the search dropped a filter that left nothing (``results.relaxed``), say so
    ("I have no blue ones") and remember the filters really applied.
    """
    currency = services.current().shop.currency
    if results.relaxed:
        intro = intro or f"{relaxed_sentence(state.filters, results, currency)}:"
        state = replace(state, filters=results.filters)
    what = state.query or "products"
    constraints = filters_phrase(state.filters, currency)
    described = f"{what} ({constraints})" if constraints else what
    first = results.offset + 1
    last = results.offset + len(results.hits)
    header = intro or (
        f"Here are {first}-{last} of {results.total} matches for {described}:"
        if results.total > len(results.hits) or results.offset
        else f"I found {results.total} for {described}:"
    )
    lines = [header]
    lines.extend(hit_line(first + i, hit) for i, hit in enumerate(results.hits))
    lines.append("Tell me which one interests you, or refine (colour, size, price).")
    buttons = [
        {
            "title": f"{first + i}. {hit.title}",
            "payload": f'/select_product{{"ordinal": "{i + 1}"}}',
        }
        for i, hit in enumerate(results.hits)
    ]
    if results.has_more:
        buttons.append({"title": "Show more", "payload": "/show_more"})
    buttons.append({"title": "Cheaper ones", "payload": "/search_cheaper"})
    dispatcher.utter_message(
        text="\n".join(lines),
        buttons=buttons,
        json_message=await products_card_by_id([hit.product_id for hit in results.hits]),
    )
    # a single result is what "it" means next; several leave nothing in focus
    single = results.hits[0].product_id if results.total == 1 and results.hits else None
    return [
        SlotSet("search_state", state.to_slot()),
        SlotSet("last_results", [hit.product_id for hit in results.hits]),
        SlotSet("product_in_focus", single),
    ]


def relaxed_sentence(requested: SearchFilters, results: SearchResults, currency: str) -> str:
    """ "I have no blue ones; here are the others" for the filters the search dropped."""
    dropped = SearchFilters()
    for facet in requested.active_facets:
        if facet not in results.relaxed:
            continue
        if facet == "options":
            # option values read like a material: "I have no oak ones"
            dropped = replace(dropped, material=" ".join(v for _, v in requested.options))
        elif facet == "price":
            dropped = replace(
                dropped,
                price_min_cents=requested.price_min_cents,
                price_max_cents=requested.price_max_cents,
            )
        elif facet != "in_stock_only":
            dropped = replace(dropped, **{facet: getattr(requested, facet)})
    phrase = filters_phrase(dropped, currency)
    if "in_stock_only" in results.relaxed:
        phrase = f"{phrase}, in stock" if phrase else "in stock"
    return f"I have no {phrase} ones; here are the others ({results.total})"


def say_no_match(dispatcher: CollectingDispatcher, state: SearchState, nearest: str | None) -> None:
    """Nothing the shop sells fits the words: say so, then offer the closest category, or
    ask what else, naming the shop's top categories."""
    what = state.query or "that"
    if nearest:
        dispatcher.utter_message(
            text=f"Sorry, we don't sell {what}. The closest we have is {nearest}: "
            "shall I show you some?",
            buttons=[
                {
                    "title": f"Show {nearest}",
                    "payload": f'/search_product{{"category": "{nearest}"}}',
                }
            ],
        )
        return
    tops = [node.name for node in services.current().shop.category_tree() if len(node.path) == 1]
    dispatcher.utter_message(
        text=f"Sorry, we don't sell {what}. We have {', '.join(tops[:8])}: "
        "what else can I look for?"
    )


def say_nothing_found(
    dispatcher: CollectingDispatcher, state: SearchState, *, refining: bool
) -> None:
    currency = services.current().shop.currency
    constraints = filters_phrase(state.filters, currency)
    what = state.query or "products"
    described = f"{what} ({constraints})" if constraints else what
    if refining:
        dispatcher.utter_message(
            text=f"I couldn't find any {described}. Your previous results still stand; "
            "try another colour, size or price."
        )
    else:
        dispatcher.utter_message(
            text=f"Sorry, I couldn't find any {described}. Try fewer details or other words."
        )


async def new_search(
    dispatcher: CollectingDispatcher, state: SearchState, message: str | None = None
) -> list[dict[str, Any]]:
    """Run a search from scratch and show its first page (or say why there is none).

    When the shop sells nothing like the words and the shopper's ``message`` is a question
    the FAQ answers confidently ("I need an invoice for my company"), that answer is the
    reply rather than "Sorry, we don't sell invoice company".
    """
    results = await run_search(state)
    if results.no_match:
        entry = await confident_entry(message) if message else None
        if entry is not None:
            utter_answer(dispatcher, entry)
        else:
            say_no_match(dispatcher, state, results.nearest_category)
        return [
            SlotSet("search_state", None),
            SlotSet("last_results", []),
            SlotSet("product_in_focus", None),
        ]
    if not results.hits:
        say_nothing_found(dispatcher, state, refining=False)
        return [
            SlotSet("search_state", state.to_slot()),
            SlotSet("last_results", []),
            SlotSet("product_in_focus", None),
        ]
    return await show_results(dispatcher, state, results)


class ActionSearchProducts(ShopAction):
    def name(self) -> str:
        return "action_search_products"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        parsed, filters = await understand(tracker)
        query = meaningful(parsed.text) or (said.entity(tracker, "product") or "")
        previous = SearchState.from_slot(tracker.get_slot("search_state"))
        if not query and (previous.active or said.slot_str(tracker, "product_in_focus")):
            # "do you have it in green": no new product words, so the current search or
            # the product in focus in green
            return await refine(dispatcher, tracker)
        if not query and filters == SearchFilters():
            dispatcher.utter_message(response="utter_ask_what_product")
            return []
        if parsed.prefers_cheap:
            # sorted by price, relevance no longer keeps other kinds of products out
            filters = await with_named_category(filters, query)
        state = SearchState(
            query=query, filters=filters, sort="price_asc" if parsed.prefers_cheap else "relevance"
        )
        return await new_search(dispatcher, state, said.text(tracker))


async def with_named_category(filters: SearchFilters, words: str) -> SearchFilters:
    """``filters`` with the category the words name when they name exactly one and no
    category is set: a price-sorted search ("the cheapest headphones") would otherwise
    list the cheapest of everything that resembles the words (earbuds before headphones)."""
    if filters.category or filters.subcategory:
        return filters
    nodes = await call(services.current().shop.category_tree)
    named = references.category_named(words, [n.name for n in nodes])
    return filters if named is None else replace(filters, category=named.casefold())


async def answer_about_focus(
    dispatcher: CollectingDispatcher, tracker: Tracker, filters: SearchFilters
) -> list[dict[str, Any]] | None:
    """ "same in blue" / "do you have it in green" with one product in focus (else the one
    on the page the shopper is viewing): whether that product comes in that colour (or
    size). None when the message is not about it."""
    focus = said.slot_str(tracker, "product_in_focus")
    text = said.text(tracker)
    if references.means_several(text) or said.entity(tracker, "product"):
        return None
    if filters.colour is None and filters.size is None:
        return None
    product = await product_by_id(focus) if focus else await page_product_meant(tracker)
    if product is None:
        return None
    answers = []
    if filters.colour is not None:
        answers.append(references.colour_answer(product, filters.colour))
    if filters.size is not None:
        answers.append(references.size_answer(product, filters.size))
    dispatcher.utter_message(
        text=" ".join(answers),
        buttons=[{"title": "Add to cart", "payload": "/add_to_cart"}],
    )
    return [SlotSet("product_in_focus", product.id)]


async def refine(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
    """The current search narrowed by this message's filters ("any in blue?"), or, with a
    product in focus and no other products meant, whether that product has them."""
    if references.picks_one(said.text(tracker)):
        # "the brown one" read as a refinement: the one shown result in brown, if one is
        chosen = await chosen_from_results(tracker)
        if chosen is not None:
            return await present_product(dispatcher, chosen)
    previous = SearchState.from_slot(tracker.get_slot("search_state"))
    parsed, filters = await understand(tracker)
    about_focus = await answer_about_focus(dispatcher, tracker, filters)
    if about_focus is not None:
        return about_focus
    product_words = said.entity(tracker, "product")
    if not previous.active:
        # nothing to refine yet: treat it as a new search
        query = meaningful(parsed.text) or (product_words or "")
        state = SearchState(query=query, filters=filters)
    else:
        state = previous.refined(filters, query=product_words)
    if state == previous or not state.active:
        dispatcher.utter_message(
            text="How should I narrow it down? A colour, a size, a brand or a price?"
        )
        return []
    results = await run_search(state)
    if results.no_match:
        say_no_match(dispatcher, state, results.nearest_category)
        return []
    if not results.hits:
        say_nothing_found(dispatcher, state, refining=previous.active)
        return []
    return await show_results(dispatcher, state, results)


class ActionRefineSearch(ShopAction):
    def name(self) -> str:
        return "action_refine_search"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        return await refine(dispatcher, tracker)


async def names_products(tracker: Tracker, parsed: ParsedQuery) -> bool:
    """The message names what to look for ("the cheapest headphones"), not just a price."""
    found, boosts = parsed.filters, parsed.boosts
    if said.entity(tracker, "product") or found.category or found.subcategory or found.brand:
        return True
    if boosts.category or boosts.subcategory:
        return True
    # "headphones" when the catalog says "wireless headphones": a word of a category name
    nodes = await call(services.current().shop.category_tree)
    return references.names_catalog_words(meaningful(parsed.text), [n.name for n in nodes])


class ActionSearchCheaper(ShopAction):
    def name(self) -> str:
        return "action_search_cheaper"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        previous = SearchState.from_slot(tracker.get_slot("search_state"))
        parsed, filters = await understand(tracker)
        named = meaningful(parsed.text) or (said.entity(tracker, "product") or "")
        if await names_products(tracker, parsed) and not (
            previous.active and named == previous.query
        ):
            # "what are the cheapest headphones you've got": a new search, cheapest first
            filters = await with_named_category(filters, named)
            return await new_search(
                dispatcher, SearchState(query=named, filters=filters, sort="price_asc")
            )
        products = await shown_products(tracker)
        text = said.text(tracker)
        if products and (references.wants_cheapest_one(text) or references.wants_dearest_one(text)):
            # "the cheapest one": that one of the results shown
            chosen = references.pick(references.Said(text=text), products, ordinal_index=None)
            if chosen is not None:
                return await present_product(dispatcher, chosen)
        if not previous.active or not products:
            dispatcher.utter_message(
                text="Cheaper than what? Tell me what you're looking for first."
            )
            return []
        cheapest = min(p.price_from_cents for p in products)
        state = previous.cheaper_than(cheapest)
        results = await run_search(state)
        if not results.hits:
            dispatcher.utter_message(
                text=f"Those are already the cheapest: nothing under {price(cheapest)} "
                "matches. Want to drop a filter?"
            )
            return []
        return await show_results(
            dispatcher,
            state,
            results,
            intro=f"Cheaper than {price(cheapest)}, lowest price first ({results.total} found):",
        )


class ActionShowMore(ShopAction):
    def name(self) -> str:
        return "action_show_more"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        previous = SearchState.from_slot(tracker.get_slot("search_state"))
        if not previous.active:
            dispatcher.utter_message(text="More of what? Tell me what you're looking for.")
            return []
        state = previous.next_page()
        results = await run_search(state)
        if not results.hits:
            dispatcher.utter_message(
                text="That's everything I have for this search. Want to change a filter?"
            )
            return []
        return await show_results(dispatcher, state, results)
