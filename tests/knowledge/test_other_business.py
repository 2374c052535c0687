"""Another business named in a message: where the message speaks of it, and never the shop's
own brands, carriers or places (knowledge/other_business.py).

The finder is built here from a few of the shop's own sentences; the last tests build it
from the real FAQ file and the demo catalog, as the knowledge base does.
"""

from __future__ import annotations

from typing import Any

import pytest

from knowledge.other_business import OtherBusinesses

FAQ_ANSWER = "We ship with Colissimo and DHL. Our stores are in Lyon and Bordeaux."
PHRASINGS = [
    FAQ_ANSWER,
    "Where is my order?",
    "Can I return my parcel at the Lyon store?",
    "How much is shipping to Madrid?",
]


@pytest.fixture(scope="module")
def finder() -> OtherBusinesses:
    return OtherBusinesses(
        ["amazon", "decathlon", "dhl", "nordpeak", "la redoute"],
        own_texts=[FAQ_ANSWER, "Nordpeak"],
        known_texts=[*PHRASINGS, "Nordpeak", "jackets"],
    )


def test_a_listed_name_before_a_parcel_is_another_business(finder: OtherBusinesses) -> None:
    assert finder.named_in("where is my amazon parcel, it said delivered") == "amazon"


def test_a_listed_name_after_at_is_another_business(finder: OtherBusinesses) -> None:
    assert finder.named_in("what's the return policy at Decathlon?") == "Decathlon"


def test_a_listed_name_of_two_words_is_found_whole(finder: OtherBusinesses) -> None:
    assert finder.named_in("where is my la redoute order") == "la redoute"


def test_an_unlisted_capitalised_name_before_an_order_is_another_business(
    finder: OtherBusinesses,
) -> None:
    assert finder.named_in("how do I change the address of my Blimmo order") == "Blimmo"


def test_a_capitalised_name_whose_noun_is_capitalised_too_ends_before_the_noun(
    finder: OtherBusinesses,
) -> None:
    assert finder.named_in("is the Zorgo Store open on sunday") == "Zorgo"


def test_a_capitalised_name_after_at_ending_the_question_is_another_business(
    finder: OtherBusinesses,
) -> None:
    assert finder.named_in("can I swap a gift without receipt at Maison Pluvier?") == (
        "Maison Pluvier"
    )


def test_a_brand_the_catalog_sells_is_the_shops_own(finder: OtherBusinesses) -> None:
    assert finder.named_in("where is my Nordpeak order") is None


def test_a_listed_carrier_the_faq_answers_name_is_the_shops_own(
    finder: OtherBusinesses,
) -> None:
    assert finder.named_in("my DHL parcel hasn't moved since monday") is None


def test_a_place_the_faq_knows_before_a_store_is_the_shops_own(finder: OtherBusinesses) -> None:
    assert finder.named_in("does the Lyon store take returns?") is None


def test_a_capitalised_place_that_is_no_business_is_left_alone(finder: OtherBusinesses) -> None:
    assert finder.named_in("My brother lives in Valencia. Can you ship my order to him?") is None


def test_a_capitalised_first_word_of_a_sentence_is_no_name(finder: OtherBusinesses) -> None:
    assert finder.named_in("Wobbly order status? I paid on monday") is None


def test_a_shouted_message_is_not_read_for_names(finder: OtherBusinesses) -> None:
    assert finder.named_in("WHERE IS MY ORDER I PAID FOR EXPRESS") is None


def test_a_day_before_an_order_is_no_business(finder: OtherBusinesses) -> None:
    assert finder.named_in("my Friday order never came") is None


# --- built as the knowledge base builds it ---------------------------------------------------


def test_the_knowledge_base_finds_another_companys_parcel(kb: Any) -> None:
    assert kb.other_business_in("my zalando parcel hasn't arrived, can you track it") == ("zalando")


def test_the_knowledge_base_keeps_the_demo_catalogs_brands_as_the_shops(kb: Any) -> None:
    brand = next(b for b in kb.parser.vocabulary.brands if " " not in b)
    assert kb.other_business_in(f"where is my {brand.title()} order") is None


def test_the_knowledge_base_keeps_the_carriers_its_faq_names_as_the_shops(kb: Any) -> None:
    # capitalised before "parcel" as another business would be, but the FAQ's answers say
    # the shop ships with Colissimo
    assert kb.other_business_in("my Colissimo parcel is stuck since tuesday") is None
