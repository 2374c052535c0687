"""Signed customer tokens: how a channel tells the assistant who is logged in.

A channel (the shop's web page, the agent desk) that knows the logged-in customer signs
their id with the shared secret and puts the token in the message metadata
(``{"customer_token": "..."}``). The socket.io channel passes client metadata through
unchanged, so only a token whose signature verifies identifies a customer; an unsigned
``customer_id`` in metadata means nothing.

Token format: ``<base64url(customer_id)>.<expiry unix seconds>.<hex HMAC-SHA256>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac


def _mac(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def sign_customer(customer_id: str, secret: str, *, ttl_seconds: int, now: float) -> str:
    """A token naming ``customer_id``, valid for ``ttl_seconds`` from ``now`` (unix time)."""
    if not secret:
        raise ValueError("Set CUSTOMER_TOKEN_SECRET before signing customer tokens.")
    if not customer_id:
        raise ValueError("A customer token needs a customer id.")
    encoded = base64.urlsafe_b64encode(customer_id.encode()).decode().rstrip("=")
    payload = f"{encoded}.{int(now) + ttl_seconds}"
    return f"{payload}.{_mac(secret, payload)}"


def verify_customer_token(token: object, secret: str, *, now: float) -> str | None:
    """The customer id in ``token`` if its signature verifies and it has not expired."""
    if not secret or not isinstance(token, str):
        return None
    parts = token.split(".")
    if len(parts) != 3:
        return None
    encoded, expiry, mac = parts
    if not hmac.compare_digest(_mac(secret, f"{encoded}.{expiry}"), mac):
        return None
    if not expiry.isdigit() or int(expiry) < now:
        return None
    try:
        customer_id = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return customer_id or None
