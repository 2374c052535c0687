"""Database sessions for the shop's smaller modules (listing, accounts), failing as shop errors.

As in ``SqlShopService``: a database failure (file gone, server down, disk full) leaves
these modules as ``ShopUnavailable``, so HTTP handlers handle shop errors only and never
import the database library.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from shop.errors import ShopUnavailable


@contextmanager
def shop_session(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """A session on ``engine``; with ``write``, one transaction committed at the end."""
    try:
        with Session(engine, expire_on_commit=False) as session:
            if write:
                with session.begin():
                    yield session
            else:
                yield session
    except SQLAlchemyError as exc:
        database = engine.url.render_as_string(hide_password=True)
        cause = getattr(exc, "orig", None) or exc
        raise ShopUnavailable(database, f"{type(exc).__name__}: {cause}") from exc
