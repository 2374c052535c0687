"""Who is visiting the storefront: the ``shop_session`` id, the ``shop_auth`` login, CSRF.

- ``shop_session``: ``secrets.token_hex(16)``, HttpOnly, SameSite=Lax. It is the
  conversation id of the widget AND the cart key (docs/widget.md), so the chat and the
  pages share one cart. A malformed value (anything but 32 hex digits) is replaced, so a
  visitor cannot pick a key that names someone else's cart or a channel's sender id.
- ``shop_auth``: a separate random token of a logged-in customer (``shop.accounts``).
  Logging in or out never touches ``shop_session``: the cart and the conversation go on.
- CSRF: every POST form carries ``HMAC-SHA256(key, shop_session)``, the key derived from
  CUSTOMER_TOKEN_SECRET; a page of another site cannot read it, so it cannot forge a post.
  Compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass

from aiohttp import web

logger = logging.getLogger(__name__)

SESSION_COOKIE = "shop_session"
AUTH_COOKIE = "shop_auth"
CSRF_FIELD = "csrf_token"
SESSION_MAX_AGE = 60 * 60 * 24 * 90  # a cart kept for a returning visitor
_SESSION_ID = re.compile(r"^[0-9a-f]{32}$")
_AUTH_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


def is_session_id(value: object) -> bool:
    """The shape of a ``shop_session`` value (and of a widget session id we issued)."""
    return isinstance(value, str) and bool(_SESSION_ID.match(value))


class CsrfSigner:
    """Signs and checks the CSRF token of a ``shop_session``."""

    def __init__(self, customer_token_secret: str) -> None:
        if customer_token_secret:
            self._key = hmac.new(
                customer_token_secret.encode(), b"storefront-csrf-v1", hashlib.sha256
            ).digest()
        else:
            # forms still work; their tokens just do not survive a restart
            logger.warning("CUSTOMER_TOKEN_SECRET is not set: CSRF tokens use a per-process key.")
            self._key = secrets.token_bytes(32)

    def token(self, session_id: str) -> str:
        return hmac.new(self._key, session_id.encode(), hashlib.sha256).hexdigest()

    def valid(self, session_id: str, token: object) -> bool:
        if not isinstance(token, str) or not is_session_id(session_id):
            return False
        return hmac.compare_digest(self.token(session_id), token)


@dataclass(frozen=True)
class StoreSession:
    """The visitor's session id, and whether this response must set the cookie."""

    id: str
    new: bool
    auth_token: str | None  # the raw ``shop_auth`` cookie, shape-checked


def store_session(request: web.Request) -> StoreSession:
    raw = request.cookies.get(SESSION_COOKIE)
    auth = request.cookies.get(AUTH_COOKIE)
    auth_token = auth if auth and _AUTH_TOKEN.match(auth) else None
    if raw is not None and is_session_id(raw):
        return StoreSession(id=raw, new=False, auth_token=auth_token)
    return StoreSession(id=secrets.token_hex(16), new=True, auth_token=auth_token)


def _secure(request: web.Request) -> bool:
    return request.secure


def keep_session(request: web.Request, response: web.StreamResponse, session: StoreSession) -> None:
    """Set the ``shop_session`` cookie on a first visit (or to replace a malformed one)."""
    if session.new:
        response.set_cookie(
            SESSION_COOKIE,
            session.id,
            max_age=SESSION_MAX_AGE,
            path="/",
            httponly=True,
            samesite="Lax",
            secure=_secure(request),
        )


def set_auth(request: web.Request, response: web.StreamResponse, token: str, max_age: int) -> None:
    response.set_cookie(
        AUTH_COOKIE,
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=_secure(request),
    )


def clear_auth(response: web.StreamResponse) -> None:
    response.del_cookie(AUTH_COOKIE, path="/")
