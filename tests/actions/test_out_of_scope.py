"""action_out_of_scope: a shop question the NLU put out of scope still gets its FAQ answer.

Trackers whose latest intent is ``out_of_scope``, against the real demo shop and knowledge
index of tests/actions/conftest.py.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue import services
from actions.dialogue.out_of_scope import OUT_OF_SCOPE_FAQ_CONFIDENCE, ActionOutOfScope
from knowledge.faq_data import load_faq
from tests.actions.trackers import texts, tracker

OUT_OF_SCOPE_REPLY = [FollowupAction("utter_out_of_scope")]


async def _out_of_scope(text: str) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await ActionOutOfScope().run(dispatcher, tracker(text, intent="out_of_scope"), {})
    return dispatcher, events


async def test_a_question_the_faq_is_sure_of_gets_its_answer(
    shop: Any, world: services.Services
) -> None:
    entries = {entry.id: entry for entry in load_faq(world.settings.faq_path)}
    dispatcher, events = await _out_of_scope("are your shops open on bank holidays")
    assert texts(dispatcher) == entries["store-hours"].answer
    assert events == []


async def test_a_sure_faq_entry_below_the_higher_bar_leaves_the_message_out(
    shop: Any, world: services.Services
) -> None:
    # another business's opening hours resemble the shop's: sure for an ask_faq question,
    # not for a message both intent classifiers put out of scope
    question = "what time does the cinema open on sunday"
    best = world.knowledge.faq.ask(question).best
    assert best is not None and best.confident
    assert best.confidence < OUT_OF_SCOPE_FAQ_CONFIDENCE
    dispatcher, events = await _out_of_scope(question)
    assert events == OUT_OF_SCOPE_REPLY
    assert dispatcher.messages == []


async def test_chat_about_anything_else_gets_the_out_of_scope_reply(shop: Any) -> None:
    dispatcher, events = await _out_of_scope("write me a poem about the sea")
    assert events == OUT_OF_SCOPE_REPLY
    assert dispatcher.messages == []


async def test_the_rephrase_button_gets_the_out_of_scope_reply(shop: Any) -> None:
    # "No, let me rephrase" of the two-stage fallback sends /out_of_scope
    dispatcher, events = await _out_of_scope("/out_of_scope")
    assert events == OUT_OF_SCOPE_REPLY
    assert dispatcher.messages == []
