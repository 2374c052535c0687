"""References across turns: "the cheapest one", "the green one", "the Nordpeak one", "the
second", "it", "same in blue", "do you have it in green", "add it in M", and a message with
two requests ("add the second one in M and check out").

Every expected product is computed from the seeded shop and the results the actions showed.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue import references
from actions.dialogue.cart import ActionAddToCart
from actions.dialogue.product_info import ActionAnswerProductQuestion, ActionSelectProduct
from actions.dialogue.search import ActionRefineSearch, ActionSearchCheaper, ActionSearchProducts
from tests.actions.trackers import buttons, entity, new_sender, slots_set, texts, tracker

DOMAIN: dict[str, Any] = {}
RAIN_JACKETS = "rain jackets"


async def _run(action: Any, **kwargs: Any) -> tuple[CollectingDispatcher, dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker(**kwargs), DOMAIN)
    return dispatcher, slots_set(events)


async def _events(action: Any, **kwargs: Any) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    return dispatcher, await action.run(dispatcher, tracker(**kwargs), DOMAIN)


async def _rain_jackets(shop: Any) -> tuple[dict[str, Any], list[Any]]:
    """The slots after "show me rain jackets", and the products shown, in order."""
    _, slots = await _run(
        ActionSearchProducts(),
        text="show me rain jackets",
        intent="search_product",
        entities=[entity("product", RAIN_JACKETS)],
    )
    shown = [shop.get_product(i) for i in slots["last_results"]]
    assert len(shown) == 3, "the seeded shop has more than three rain jackets"
    return slots, shown


def _unique(values_per_product: list[set[str]]) -> list[tuple[int, str]]:
    """(index, value) for values only one of the products has."""
    counts = Counter(v for values in values_per_product for v in values)
    return [(i, v) for i, values in enumerate(values_per_product) for v in values if counts[v] == 1]


async def test_the_cheapest_headphones_in_a_fresh_conversation_are_searched_cheapest_first(
    shop: Any,
) -> None:
    dispatcher, slots = await _run(
        ActionSearchCheaper(),
        text="what are the cheapest headphones you've got",
        intent="search_cheaper",
        entities=[entity("product", "headphones")],
    )
    assert slots["search_state"]["sort"] == "price_asc", texts(dispatcher)
    shown = [shop.get_product(i) for i in slots["last_results"]]
    headphones = [p for p in shop.iter_products() if p.subcategory == shown[0].subcategory]
    assert "headphones" in shown[0].subcategory
    assert shown[0].id == min(headphones, key=lambda p: p.price_from_cents).id
    prices = [p.price_from_cents for p in shown]
    assert prices == sorted(prices)


async def test_the_cheapest_one_after_a_list_selects_the_cheapest_shown(shop: Any) -> None:
    slots, shown = await _rain_jackets(shop)
    cheapest = min(shown, key=lambda p: p.price_from_cents)
    dispatcher, picked = await _run(
        ActionSearchCheaper(), text="the cheapest one", intent="search_cheaper", slots=slots
    )
    assert picked == {"product_in_focus": cheapest.id}
    assert cheapest.title in texts(dispatcher)


async def test_the_cheapest_one_read_as_a_selection_selects_the_cheapest_shown(
    shop: Any,
) -> None:
    slots, shown = await _rain_jackets(shop)
    cheapest = min(shown, key=lambda p: p.price_from_cents)
    _, picked = await _run(
        ActionSelectProduct(), text="the cheapest one", intent="select_product", slots=slots
    )
    assert picked["product_in_focus"] == cheapest.id


async def test_the_green_one_selects_the_result_with_that_colour(shop: Any) -> None:
    slots, shown = await _rain_jackets(shop)
    index, colour = _unique([{c.lower() for c in p.colours} for p in shown])[0]
    _, picked = await _run(
        ActionSelectProduct(),
        text=f"the {colour} one",
        intent="select_product",
        entities=[entity("colour", colour)],
        slots=slots,
    )
    assert picked["product_in_focus"] == shown[index].id


async def test_a_colour_written_without_an_entity_still_selects(shop: Any) -> None:
    slots, shown = await _rain_jackets(shop)
    index, colour = _unique([{c.lower() for c in p.colours} for p in shown])[0]
    _, picked = await _run(
        ActionSelectProduct(), text=f"i like the {colour} one", intent="select_product", slots=slots
    )
    assert picked["product_in_focus"] == shown[index].id


async def test_the_brand_one_selects_the_result_of_that_brand(shop: Any) -> None:
    slots, shown = await _rain_jackets(shop)
    index, brand = _unique([{p.brand} for p in shown])[0]
    _, picked = await _run(
        ActionSelectProduct(), text=f"the {brand} one", intent="select_product", slots=slots
    )
    assert picked["product_in_focus"] == shown[index].id


async def test_a_name_fragment_selects_the_result_with_that_name(shop: Any) -> None:
    slots, shown = await _rain_jackets(shop)
    words = [
        {w for w in re.findall(r"[a-z]+", p.title.lower()) if w not in p.brand.lower()}
        for p in shown
    ]
    index, word = _unique(words)[0]
    _, picked = await _run(
        ActionSelectProduct(), text=f"more about the {word}", intent="select_product", slots=slots
    )
    assert picked["product_in_focus"] == shown[index].id


async def test_the_second_without_an_entity_selects_the_second_shown(shop: Any) -> None:
    slots, shown = await _rain_jackets(shop)
    _, picked = await _run(
        ActionSelectProduct(), text="the second", intent="select_product", slots=slots
    )
    assert picked["product_in_focus"] == shown[1].id


async def test_a_new_list_leaves_nothing_in_focus(shop: Any) -> None:
    slots, _ = await _rain_jackets(shop)
    assert slots["product_in_focus"] is None


async def test_do_you_have_it_in_a_colour_refines_the_list_when_nothing_is_in_focus(
    shop: Any,
) -> None:
    slots, shown = await _rain_jackets(shop)
    colour = shown[0].colours[0].lower()
    _, refined = await _run(
        ActionSearchProducts(),  # as the NLU may read it
        text=f"do you have it in {colour}",
        intent="search_product",
        entities=[entity("colour", colour)],
        slots=slots,
    )
    assert refined["search_state"]["query"] == slots["search_state"]["query"]
    assert refined["search_state"]["filters"]["colour"] == colour
    for product in shop.get_products(refined["last_results"]):
        assert colour in [c.lower() for c in product.colours]


async def test_same_in_a_colour_refines_the_current_search(shop: Any) -> None:
    slots, shown = await _rain_jackets(shop)
    colour = shown[-1].colours[-1].lower()
    _, refined = await _run(
        ActionRefineSearch(),
        text=f"same in {colour}",
        intent="refine_search",
        entities=[entity("colour", colour)],
        slots=slots,
    )
    assert refined["search_state"]["filters"]["colour"] == colour
    for product in shop.get_products(refined["last_results"]):
        assert product.subcategory == RAIN_JACKETS
        assert colour in [c.lower() for c in product.colours]


async def test_do_you_have_it_in_a_colour_it_has_answers_yes_for_the_product_in_focus(
    shop: Any,
) -> None:
    slots, shown = await _rain_jackets(shop)
    focus = shown[0]
    colour = focus.colours[0].lower()
    dispatcher, after = await _run(
        ActionRefineSearch(),
        text=f"do you have it in {colour}",
        intent="refine_search",
        entities=[entity("colour", colour)],
        slots={**slots, "product_in_focus": focus.id},
    )
    assert texts(dispatcher) == f"Yes, the {focus.title} comes in {focus.colours[0]}."
    assert after == {"product_in_focus": focus.id}


async def test_same_in_a_colour_it_lacks_answers_no_for_the_product_in_focus(shop: Any) -> None:
    slots, shown = await _rain_jackets(shop)
    focus = shown[0]
    other = next(
        c.lower()
        for p in shop.iter_products()
        for c in p.colours
        if c.lower() not in {x.lower() for x in focus.colours}
    )
    dispatcher, _ = await _run(
        ActionRefineSearch(),
        text=f"same in {other}",
        intent="refine_search",
        entities=[entity("colour", other)],
        slots={**slots, "product_in_focus": focus.id},
    )
    assert texts(dispatcher).startswith(f"No, the {focus.title} comes in ")


async def test_it_means_the_product_in_focus_not_a_shown_result(shop: Any) -> None:
    slots, shown = await _rain_jackets(shop)
    focus = shown[2]
    dispatcher, after = await _run(
        ActionAnswerProductQuestion(),
        text="what sizes does it come in",
        intent="product_question",
        slots={**slots, "product_in_focus": focus.id},
    )
    assert texts(dispatcher).startswith(f"The {focus.title} comes in sizes ")
    assert after == {"product_in_focus": focus.id}
    _, picked = await _run(
        ActionSelectProduct(),
        text="that one",
        intent="select_product",
        slots={**slots, "product_in_focus": focus.id},
    )
    assert picked["product_in_focus"] == focus.id


async def test_a_refinement_leaving_one_result_puts_it_in_focus(shop: Any) -> None:
    slots, _ = await _rain_jackets(shop)
    jackets = [p for p in shop.iter_products() if p.subcategory == RAIN_JACKETS]
    counts = Counter(c.lower() for p in jackets for c in p.colours)
    colour = next(c for c, n in sorted(counts.items()) if n == 1)
    only = next(p for p in jackets if colour in [c.lower() for c in p.colours])
    _, refined = await _run(
        ActionRefineSearch(),
        text=f"any in {colour}?",
        intent="refine_search",
        entities=[entity("colour", colour)],
        slots=slots,
    )
    assert refined["last_results"] == [only.id]
    assert refined["product_in_focus"] == only.id


def _single_colour_jacket(shop: Any) -> Any:
    for product in shop.iter_products():
        if product.subcategory == RAIN_JACKETS and len(product.colours) == 1:
            size = product.sizes[len(product.sizes) // 2]
            if shop.availability(product.id, size=size).online_available >= 1:
                return product
    raise AssertionError("no one-colour rain jacket in stock in the seeded shop")


async def test_add_it_in_a_size_adds_the_product_in_focus_in_that_size(shop: Any) -> None:
    slots, _ = await _rain_jackets(shop)
    product = _single_colour_jacket(shop)
    size = product.sizes[len(product.sizes) // 2]
    sender = new_sender()
    dispatcher, _ = await _run(
        ActionAddToCart(),
        text=f"add it to my cart in size {size}",
        intent="add_to_cart",
        slots={**slots, "product_in_focus": product.id},
        sender=sender,
    )
    lines = shop.get_cart(sender).lines
    assert [(line.product_id, line.size) for line in lines] == [(product.id, size)], texts(
        dispatcher
    )


async def test_add_it_in_a_bare_size_code_adds_that_size(shop: Any) -> None:
    product = _single_colour_jacket(shop)
    size = product.sizes[len(product.sizes) // 2]
    sender = new_sender()
    await _run(
        ActionAddToCart(),
        text=f"add it in {size}",
        intent="add_to_cart",
        slots={"product_in_focus": product.id},
        sender=sender,
    )
    assert [(line.product_id, line.size) for line in shop.get_cart(sender).lines] == [
        (product.id, size)
    ]


async def test_add_the_second_and_check_out_adds_it_and_lets_the_checkout_follow(
    shop: Any,
) -> None:
    slots, shown = await _rain_jackets(shop)
    second = shown[1]
    colour = second.colours[0]
    size = next(
        s
        for s in second.sizes
        if shop.availability(second.id, size=s, colour=colour).online_available >= 1
    )
    sender = new_sender()
    dispatcher, events = await _events(
        ActionAddToCart(),
        text=f"add the second one in {size} and check out",
        intent="add_to_cart+checkout",
        entities=[entity("ordinal", "second"), entity("size", size), entity("colour", colour)],
        slots=slots,
        sender=sender,
    )
    assert [(line.product_id, line.size) for line in shop.get_cart(sender).lines] == [
        (second.id, size)
    ], texts(dispatcher)
    assert [e for e in events if e.get("event") == "followup"] == []


async def test_add_and_check_out_without_a_size_asks_first_and_keeps_both_requests(
    shop: Any,
) -> None:
    product = _single_colour_jacket(shop)
    dispatcher, events = await _events(
        ActionAddToCart(),
        text="add it and check out",
        intent="add_to_cart+checkout",
        slots={"product_in_focus": product.id},
        sender=new_sender(),
    )
    assert [e.get("name") for e in events if e.get("event") == "followup"] == ["action_listen"]
    payloads = [b["payload"] for b in buttons(dispatcher)]
    assert payloads and all(p.startswith("/add_to_cart+checkout{") for p in payloads)


def test_pick_prefers_an_ordinal_then_price_then_colour_then_brand(shop: Any) -> None:
    products = list(shop.iter_products())[:4]
    said = references.Said(text="the cheapest one")
    cheapest = min(products, key=lambda p: p.price_from_cents)
    assert references.pick(said, products, ordinal_index=None) == cheapest
    assert references.pick(said, products, ordinal_index=2) == products[2]


def test_a_one_letter_size_needs_in_or_size_before_it(shop: Any) -> None:
    sizes = ("S", "M", "L")
    assert references.size_in("add it in m please", sizes) == "M"
    assert references.size_in("size l", sizes) == "L"
    assert references.size_in("is this a good jacket", sizes) is None


def test_plural_words_mean_several_products_not_the_one_in_focus(shop: Any) -> None:
    assert references.points_at_focus("do you have it in green")
    assert references.points_at_focus("same in blue")
    assert not references.points_at_focus("any of those in blue")
    assert references.wants_cheapest_one("the cheapest one")
    assert not references.wants_cheapest_one("the cheapest ones")


async def test_does_it_come_in_a_colour_answers_for_the_product_in_focus(shop: Any) -> None:
    slots, shown = await _rain_jackets(shop)
    focus = shown[1]
    colour = focus.colours[-1].lower()
    dispatcher, _ = await _run(
        ActionAnswerProductQuestion(),
        text=f"does it come in {colour}?",
        intent="product_question",
        entities=[entity("colour", colour)],
        slots={**slots, "product_in_focus": focus.id},
    )
    assert texts(dispatcher) == f"Yes, the {focus.title} comes in {focus.colours[-1]}."


async def test_a_colour_question_with_only_a_list_shown_refines_the_list(shop: Any) -> None:
    slots, shown = await _rain_jackets(shop)
    colour = shown[0].colours[0].lower()
    dispatcher, events = await _events(
        ActionAnswerProductQuestion(),
        text=f"do you have it in {colour}",
        intent="product_question",
        entities=[entity("colour", colour)],
        slots=slots,
    )
    assert [e.get("name") for e in events if e.get("event") == "followup"] == [
        "action_refine_search"
    ]
    assert dispatcher.messages == []


async def test_the_cheapest_headphones_read_as_a_search_are_sorted_cheapest_first(
    shop: Any,
) -> None:
    _, slots = await _run(
        ActionSearchProducts(),
        text="what are the cheapest headphones you've got",
        intent="search_product",
    )
    shown = [shop.get_product(i) for i in slots["last_results"]]
    headphones = [p for p in shop.iter_products() if p.subcategory == shown[0].subcategory]
    assert "headphones" in shown[0].subcategory
    assert shown[0].id == min(headphones, key=lambda p: p.price_from_cents).id
    assert slots["search_state"]["sort"] == "price_asc"


async def test_the_cheapest_headphones_without_an_entity_are_still_a_new_search(
    shop: Any,
) -> None:
    slots, _ = await _rain_jackets(shop)
    _, after = await _run(
        ActionSearchCheaper(),
        text="what are the cheapest headphones you've got",
        intent="search_cheaper",
        slots=slots,
    )
    shown = [shop.get_product(i) for i in after["last_results"]]
    assert "headphones" in shown[0].subcategory
    assert after["search_state"]["sort"] == "price_asc"


def test_a_word_of_one_category_name_names_that_category() -> None:
    names = ["Wireless headphones", "Earbuds", "Rain jackets", "Softshell jackets"]
    assert references.category_named("what are the cheapest headphones", names) == (
        "Wireless headphones"
    )


def test_a_word_shared_by_two_category_names_names_none() -> None:
    names = ["Wireless headphones", "Earbuds", "Rain jackets", "Softshell jackets"]
    assert references.category_named("the cheapest jackets", names) is None


async def test_the_colour_one_read_as_a_refinement_still_selects_that_result(shop: Any) -> None:
    slots, shown = await _rain_jackets(shop)
    colours = [{c.lower() for c in p.colours} for p in shown]
    single = [
        (colour, product)
        for product, mine in zip(shown, colours, strict=True)
        for colour in sorted(mine)
        if sum(colour in other for other in colours) == 1
    ]
    assert single, f"no colour belongs to one shown rain jacket only: {colours}"
    colour, wanted = single[0]
    _, after = await _run(
        ActionRefineSearch(),
        text=f"the {colour} one",
        intent="refine_search",
        entities=[entity("colour", colour)],
        slots=slots,
    )
    assert after["product_in_focus"] == wanted.id
