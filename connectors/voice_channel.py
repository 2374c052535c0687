"""The voice gateway's channel: ``POST /webhooks/voice/webhook``, the REST channel's body and
answer under its own name.

The gateway (``voice/``) sends what the shopper said, already transcribed and normalised
for the ear ("one two one eight six" -> "12186"), as ``{"sender", "message", "metadata"}``;
the metadata carries ``"voice": true`` and, from the browser, the widget's ``customer_token``
and ``page``. Because the channel has its own name, ``tracker.get_latest_input_channel()``
is ``"voice"`` and actions can keep replies short for the ear. Replies come back as Rasa's
list of messages (text, buttons, ``custom`` cards); the gateway turns them into speech.
"""

from __future__ import annotations

from connectors.rest_channel import ShopRestInput


class ShopVoiceInput(ShopRestInput):
    @classmethod
    def name(cls) -> str:
        return "voice"
