"""URL slugs and ids made from free text (titles, handles, option values)."""

from __future__ import annotations

import re
import unicodedata

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """'Oak Bedside Table — Natural' -> 'oak-bedside-table-natural' (ASCII, lower case)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", folded.lower()).strip("-")
