"""Hand-off requests: stored in the shop database, one open request per conversation."""

from __future__ import annotations

from sqlalchemy import Engine

from handoff import HandoffQueue


def test_request_is_stored_and_idempotent_while_open(empty_engine: Engine) -> None:
    queue = HandoffQueue(empty_engine)
    first = queue.request("conv-1", reason="wants a person", customer_id="C00001", channel="rest")
    again = queue.request("conv-1", reason="asked again", customer_id=None, channel=None)
    other = queue.request("conv-2", reason="refund question", customer_id=None, channel="web")
    assert first.status == "open" and first.created_at.tzinfo is not None
    assert again == first
    assert [r.conversation_id for r in HandoffQueue(empty_engine).open_requests()] == [
        "conv-1",
        "conv-2",
    ]
    assert other.id != first.id


def test_a_closed_request_lets_the_conversation_ask_again(empty_engine: Engine) -> None:
    queue = HandoffQueue(empty_engine)
    first = queue.request("conv-1", reason="help", customer_id=None, channel=None)
    closed = queue.close(first.id)
    assert closed is not None and closed.status == "closed"
    assert queue.open_requests() == []
    second = queue.request("conv-1", reason="help again", customer_id=None, channel=None)
    assert second.id != first.id and second.status == "open"
    assert queue.close(12345) is None
