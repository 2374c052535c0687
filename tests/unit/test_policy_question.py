"""Which order-intent messages read as questions about the rules (answered from the FAQ
first) and which ask for something to be done to one order (the order form starts)."""

from __future__ import annotations

import pytest

from actions.dialogue.policy_question import asks_about_policy


@pytest.mark.parametrize(
    "text",
    [
        "can I return worn shoes?",
        "will the postage be refunded too",
        "is sending a parcel back free?",
        "hey, can i get my money back as a voucher",
        "how long do refunds usually take",
        "est-ce que le retour est gratuit",
        "est-ce que je peux retourner ma commande si elle est ouverte ?",
        "what if the parcel gets lost",
        "the coat is too big, can i swap it for a smaller one",
        "it was a present. how do refunds work for gifts",
        "i paid for express and the boots didn't fit. do i get the delivery fee back?",
        "bought a fleece its too big can i send it back",
        "my parcel came in two boxes, is that normal",
        "i kept two of the three shirts, will i get the postage back",
    ],
)
def test_a_question_about_the_rules_is_a_policy_question(text: str) -> None:
    assert asks_about_policy(text)


@pytest.mark.parametrize(
    "text",
    [
        "I want to return my jacket",
        "please cancel it",
        "return the boots i bought",
        "where is my order",
        "can you track my parcel?",
        "has my refund come through?",
        "can I return order 10023?",
        "is my order from anna@example.com shipped?",
        "je veux retourner ma veste",
        "je suis furieuse, où est ma commande ?",
        "pouvez-vous annuler ma commande ?",
        "my shoes are too small",
        "it still hasn't arrived, can you check",
        "it arrived broken, what's happening with my order",
        "the jacket is too small can you exchange it",
        "ordered monday, where is my parcel, i need it friday",
    ],
)
def test_a_request_about_one_order_is_not_a_policy_question(text: str) -> None:
    assert not asks_about_policy(text)
