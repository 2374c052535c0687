"""FAQ questions as this French shop's shoppers write them: in French, in English with
French words ("frais de port", "virement", "my command") and in messy English (typos).

None of these messages is an entry's phrasing: each checks that the alternates written
for the shoppers' languages (knowledge/data/faq.yml) carry to other wordings.
"""

from __future__ import annotations

import pytest

from knowledge.base import KnowledgeBase
from knowledge.faq_fit import asks_about_cost, asks_about_duration, looks_french
from knowledge.faq_query import core_question
from knowledge.faq_spelling import FaqSpelling

FRENCH = {
    "combien je paie pour la livraison ?": "shipping-cost",
    "j'ai oublié mon mot de passe, comment faire ?": "password-reset",
    "je peux payer par virement ?": "bank-transfer",
    "vous livrez en combien de jours ?": "delivery-time",
    "je veux annuler ma commande, c'est payant ?": "cancel-order",
    "quand est-ce que je serai remboursée ?": "refund-time",
    "le remboursement prend combien de temps": "refund-time",
}
FRENCH_SPEAKER_ENGLISH = {
    "how much are the frais de livraison for a small order": "shipping-cost",
    "do u deliver to belgium": "shipping-countries",
    "Salut, vous acceptez paypal ? merci": "paypal",
}


@pytest.mark.parametrize(
    ("question", "entry_id"), sorted({**FRENCH, **FRENCH_SPEAKER_ENGLISH}.items())
)
def test_french_and_french_speaker_english_questions_are_answered(
    kb: KnowledgeBase, question: str, entry_id: str
) -> None:
    best = kb.faq.ask(question).best
    assert best is not None and best.confident
    assert best.entry.id == entry_id


def test_a_french_cost_question_the_entry_does_not_price_is_unsure(kb: KnowledgeBase) -> None:
    # The address entry is the topic, but it states no charge: "combien ça coûte" must not
    # be answered by it as if the shopper had asked how to change the address.
    best = kb.faq.ask("combien ça coûte de changer l'adresse de livraison ?").best
    assert best is not None and best.entry.id == "change-address"
    assert not best.confident


@pytest.mark.parametrize(
    "message",
    [
        "quel temps fait-il à Paris demain ?",  # read as delivery-time at 0.61
        "tu sais où je peux réparer mon vélo ?",  # read as currency at 0.63
    ],
)
def test_french_small_talk_the_english_encoder_finds_alike_is_not_answered(
    kb: KnowledgeBase, message: str
) -> None:
    best = kb.faq.ask(message).best
    assert best is not None and not best.confident


@pytest.mark.parametrize(
    ("text", "french"),
    [
        ("je n'arrive pas à me connecter", True),
        ("est-ce que je peux payer en plusieurs fois", True),
        ("combien ça coûte la livraison", True),
        ("I'd like to return it, it's too small", False),
        ("is the AI saving my chats", False),
        ("how much are the frais de livraison for a small order", False),
    ],
)
def test_french_is_told_from_english_with_french_words(text: str, french: bool) -> None:
    assert looks_french(text) is french


@pytest.mark.parametrize(
    ("text", "cost", "duration"),
    [
        ("frais de port ?", True, False),
        ("c'est gratuit le retour ?", True, False),
        ("combien ça coûte", True, False),
        ("combien de temps pour la livraison", False, True),
        ("quand serai-je remboursé", False, True),
        ("je peux le retourner quand même ?", False, False),
    ],
)
def test_french_cost_and_duration_questions_are_recognised(
    text: str, cost: bool, duration: bool
) -> None:
    assert (asks_about_cost(text), asks_about_duration(text)) == (cost, duration)


@pytest.mark.parametrize(
    ("text", "cost"),
    [
        ("my watch doesn't charge anymore, what now", False),
        ("the headphones stopped charging after a month", False),
        ("is a charging cable in the box", False),
        ("earbuds wont charge", False),
        ("will you charge me for delivery", True),
        ("you don't charge anything for returns, right?", True),
        ("do you not charge a fee for express", True),
        ("I was charged twice for one order", True),
    ],
)
def test_a_battery_that_does_not_charge_is_no_cost_question(text: str, cost: bool) -> None:
    assert asks_about_cost(text) is cost


@pytest.mark.parametrize(
    ("message", "question"),
    [
        ("bonjour, mot de passe oublié svp", "mot de passe oublié"),
        ("Salut ! frais de port ? merci", "frais de port ?"),
        ("coucou, livraison en Belgique ? s'il vous plaît", "livraison en Belgique ?"),
    ],
)
def test_french_greetings_and_thanks_are_not_the_question(message: str, question: str) -> None:
    assert core_question(message) == question


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("i forgot my pasword", "password-reset"),
        ("whats the retrun polcy", "return-policy"),
        ("do you ship to belgum", "shipping-countries"),
    ],
)
def test_typos_do_not_hide_the_question(kb: KnowledgeBase, question: str, entry_id: str) -> None:
    best = kb.faq.ask(question).best
    assert best is not None and best.confident
    assert best.entry.id == entry_id


def test_only_words_the_faq_never_uses_are_corrected() -> None:
    spelling = FaqSpelling(["What is your return policy?", "Do you ship abroad?"])
    assert spelling.correct("the retrun polcy for my jacket?") == (
        "the return policy for my jacket?"
    )
    # French, names and short words stay as written: no FAQ word is one edit away
    assert spelling.correct("retour du colis Nordpeak svp") == "retour du colis Nordpeak svp"


def test_a_typo_one_edit_from_two_faq_words_becomes_the_one_the_faq_uses_most() -> None:
    spelling = FaqSpelling(
        ["How much is delivery?", "How much is a return?", "Do you price match?"]
    )
    assert spelling.correct("how mutch is it") == "how much is it"


def test_a_typo_one_edit_from_two_faq_words_used_alike_stays_as_written() -> None:
    spelling = FaqSpelling(["How much is delivery?", "Do you price match?"])
    assert spelling.correct("how mutch is it") == "how mutch is it"


def test_a_word_the_sentence_model_knows_is_not_corrected() -> None:
    spelling = FaqSpelling(["Do you keep what I am saying?"], known={"saving"})
    assert spelling.correct("are you saving this conversation") == (
        "are you saving this conversation"
    )


def test_the_shop_faq_keeps_real_words_and_answers_the_question(kb: KnowledgeBase) -> None:
    # "saving" is one letter from the FAQ's "saying"; MiniLM's vocabulary knows it as a word
    assert kb.faq.spelling.correct("are you saving this conversation") == (
        "are you saving this conversation"
    )
    assert kb.faq.spelling.correct("i forgot my pasword") == "i forgot my password"
