"""Output channels that handle each bot message whole, in ``send_response``.

Rasa's ``OutputChannel.send_response`` splits a message into calls of its single-purpose
senders (text, buttons, custom JSON...), so a card and its text leave as two messages.
The shop's socket.io and Chatwoot outputs override ``send_response`` to keep a message
whole; this mixin routes the single-purpose senders, which other Rasa code may still call,
back through it.
"""

from __future__ import annotations

from typing import Any


class SendsWholeMessages:
    """Mixin for an output channel whose ``send_response`` handles a whole bot message."""

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        raise NotImplementedError

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_response(recipient_id, {"text": text, "buttons": buttons})

    async def send_quick_replies(
        self,
        recipient_id: str,
        text: str,
        quick_replies: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        await self.send_response(recipient_id, {"text": text, "quick_replies": quick_replies})

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        await self.send_response(recipient_id, {"custom": json_message})
