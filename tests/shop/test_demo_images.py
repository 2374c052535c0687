"""The demo catalog's pictures: storefront SVGs instead of a CDN that does not exist."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from shop.demo.images import demo_svg, public_image_url

STOREFRONT = "http://shop.test:5057/"


def test_a_demo_picture_url_becomes_the_storefronts_svg() -> None:
    url = "https://cdn.example.com/demo-shop/maison-verre-onyx-plus-sweater-green.jpg"
    assert public_image_url(url, STOREFRONT) == (
        "http://shop.test:5057/media/demo/maison-verre-onyx-plus-sweater-green.svg"
    )


def test_a_merchants_picture_url_is_unchanged() -> None:
    url = "https://cdn.shopify.com/s/files/1/0001/oak-table.jpg?v=3"
    assert public_image_url(url, STOREFRONT) == url


def test_a_demo_url_with_a_path_trick_is_unchanged() -> None:
    url = "https://cdn.example.com/demo-shop/../../etc/passwd.jpg"
    assert public_image_url(url, STOREFRONT) == url


def test_the_colour_in_the_name_is_the_fill() -> None:
    svg = ET.fromstring(demo_svg("acme-runner-navy", "Running shoes"))
    assert svg[0].get("fill") == "#1f2f57"


def test_the_label_is_escaped_text() -> None:
    svg = ET.fromstring(demo_svg("acme-thing", '<script>"x"</script>'))
    texts = [el.text for el in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert (texts[0], svg.get("aria-label")) == ('<script>"x"</script>', '<script>"x"</script>')


def test_the_same_name_always_draws_the_same_picture() -> None:
    assert demo_svg("acme-lamp", "Lamps") == demo_svg("acme-lamp", "Lamps")
