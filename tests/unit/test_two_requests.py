"""bot/components/two_requests.py: a request to add and a request to pay in one message.

The texts are the lead's own, written for the test (none is a held-out message).
"""

from __future__ import annotations

import pytest

from bot.components.two_requests import adds_then_pays

BOTH = [
    "add the second one in M and check out",
    "ok put it in my basket then go to the checkout",
    "I'll have the grey one in 42, then I want to pay",
    "grab 2 of those and proceed to payment please",
    "add it + checkout",
    "take the first one in L and let's finish the order",
    "yes add that, then checkout 👍",
    "ajoute-le et je paie",
    "je prends le premier en M et on passe à la caisse",
]

NOT_BOTH = [
    "add the second one in M",  # one request
    "take me to checkout",
    "add it to my cart, how do I pay by bank transfer?",  # a question about paying
    "can I pay in three instalments and add a gift card",
    "buy now pay later?",
    "I want to return it and get paid back",
    "I want to cancel and then pay again",
    "where do I pay for the order I added",
]


@pytest.mark.parametrize("text", BOTH)
def test_a_request_to_add_then_to_pay_is_both(text: str) -> None:
    assert adds_then_pays(text)


@pytest.mark.parametrize("text", NOT_BOTH)
def test_one_request_or_a_question_is_not_both(text: str) -> None:
    assert not adds_then_pays(text)
