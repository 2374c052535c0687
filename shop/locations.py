"""Which shop location a shopper means: "Lyon", "the lyon store", "ST-LYON", "Paris warehouse".

Plain matching over the list from ``ShopService.locations()``, so a caller that checks
several phrasings reads the locations once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from shop.api import Location

_LOCATION_NOISE = re.compile(r"\b(the|our|your|in|at|store|shop|warehouse|boutique|de)\b")


def match_location(text: str, locations: Iterable[Location]) -> Location | None:
    """The location whose code, name or city is ``text`` (with or without filler words)."""
    wanted = " ".join(text.strip().lower().replace("-", " ").split())
    if not wanted:
        return None
    bare = " ".join(_LOCATION_NOISE.sub(" ", wanted).split())
    for location in locations:
        code = location.code.lower().replace("-", " ")
        names = {code, location.name.lower(), location.city.lower()}
        if wanted in names or bare in names:
            return location
    return None
