"""Pictures for the demo catalog, which names images on a CDN that does not exist.

The demo generator (``shop.demo.catalog``) gives every product
``https://cdn.example.com/demo-shop/<handle>.jpg`` and one ``<handle>-<colour>.jpg`` per
colour. Machines running the demo are often offline, so the storefront draws a small SVG
instead (``/media/demo/<name>.svg``): the product type as a label on the colour named in
the file name. Both the storefront pages and the bot's product cards map URLs through
``public_image_url``, so a shopper sees the same picture in both; an imported catalog's
real URLs pass through unchanged.
"""

from __future__ import annotations

import hashlib
import re
from xml.sax.saxutils import escape

DEMO_PREFIX = "https://cdn.example.com/demo-shop/"
MEDIA_PATH = "/media/demo/"
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,199}$")

# fills for the colour words of the demo catalog (shop/demo/kinds.py); others get a hue
# derived from the name, so a picture never changes between two requests
_FILLS = {
    "white": "#f4f4f2",
    "black": "#222222",
    "grey": "#8a8d91",
    "navy": "#1f2f57",
    "blue": "#2f6fd0",
    "green": "#3e8a4f",
    "olive": "#6b6b2e",
    "red": "#c0392b",
    "burgundy": "#6d1a2b",
    "pink": "#e48fb0",
    "coral": "#f07b62",
    "orange": "#e67e22",
    "yellow": "#f1c40f",
    "gold": "#c9a43a",
    "brass": "#b5914a",
    "silver": "#c0c4c8",
    "tan": "#c8a27a",
    "camel": "#c19a6b",
    "beige": "#e3d5b8",
    "nude": "#e3bc9a",
    "brown": "#6e4b2e",
    "natural": "#d9c7a3",
    "purple": "#7d4e9f",
    "berry": "#8e2f5a",
    "tortoise": "#7a4b23",
    "multicolour": "#9b7fd1",
}
_DARK = {"black", "navy", "burgundy", "brown", "green", "olive", "purple", "berry", "tortoise"}


def is_demo_name(name: str) -> bool:
    """A file name (without extension) the demo generator could have made."""
    return bool(_NAME.match(name))


def public_image_url(url: str, storefront_url: str) -> str:
    """The URL a browser can load: demo CDN pictures become the storefront's SVGs."""
    if url.startswith(DEMO_PREFIX) and url.endswith(".jpg"):
        name = url[len(DEMO_PREFIX) : -len(".jpg")]
        if is_demo_name(name):
            return f"{storefront_url.rstrip('/')}{MEDIA_PATH}{name}.svg"
    return url


def demo_url(name: str) -> str:
    """The demo catalog's URL for a picture name (the inverse of ``public_image_url``)."""
    return f"{DEMO_PREFIX}{name}.jpg"


def colour_of(name: str) -> str | None:
    """The colour word a picture name ends with ("...-sweater-navy" -> "navy"), if any."""
    words = name.split("-")
    for size in (2, 1):  # "dark-blue" before "blue"
        tail = " ".join(words[-size:])
        if tail in _FILLS:
            return tail
    return None


def _fill(name: str, colour: str | None) -> str:
    if colour is not None:
        return _FILLS[colour]
    hue = int(hashlib.sha256(name.encode()).hexdigest()[:4], 16) % 360
    return f"hsl({hue}, 35%, 55%)"


def demo_svg(name: str, label: str) -> str:
    """A 600x600 picture: ``label`` (the product type) on the colour named in ``name``."""
    colour = colour_of(name)
    fill = _fill(name, colour)
    ink = "#ffffff" if colour in _DARK else "#1b1b1b"
    caption = escape(label[:40])
    sub = escape(colour or "")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="600" '
        f'viewBox="0 0 600 600" role="img" aria-label="{escape(label[:40], {chr(34): "&quot;"})}">'
        f'<rect width="600" height="600" fill="{fill}"/>'
        '<rect x="60" y="60" width="480" height="480" rx="24" fill="none" '
        f'stroke="{ink}" stroke-opacity="0.25" stroke-width="6"/>'
        f'<text x="300" y="300" text-anchor="middle" font-family="sans-serif" font-size="64" '
        f'fill="{ink}">{caption}</text>'
        f'<text x="300" y="380" text-anchor="middle" font-family="sans-serif" font-size="36" '
        f'fill="{ink}" fill-opacity="0.7">{sub}</text>'
        "</svg>"
    )
