"""The catalog pages: home, category listings with filters, product pages, demo pictures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from connectors.web.context import context_of
from connectors.web.store_page import (
    Visit,
    blocking,
    not_found,
    page,
    store_of,
    visit,
)
from shop.api import CategoryNode, CategoryPath, Product
from shop.cards import stock_label
from shop.demo.images import demo_svg, demo_url, is_demo_name, public_image_url
from shop.display import money
from shop.errors import (
    ProductNotFound,
)
from shop.listing import (
    SORT_ORDERS,
    ListingFilters,
    ListingPage,
    category_for_slugs,
)

HOME_PRODUCTS_PER_CATEGORY = 4
SORT_LABELS = {
    "relevance": "Relevance",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
    "newest": "Newest",
}


def _image_urls(product: Product) -> list[dict[str, str]]:
    return [{"url": public_image_url(i.url, ""), "alt": i.alt} for i in product.images]


# pages ------------------------------------------------------------------------------


async def home(request: web.Request) -> web.Response:
    visit_ = await visit(request)
    listing = store_of(request).listing

    def load() -> list[tuple[CategoryNode, ListingPage]]:
        return [
            (node, listing.page(ListingFilters(node.path, per_page=HOME_PRODUCTS_PER_CATEGORY)))
            for node in visit_.nav
        ]

    sections = await blocking(load)
    return page(request, visit_, "store/home.html", sections=sections, image_url=_listing_image)


def _listing_image(url: str | None) -> str | None:
    return public_image_url(url, "") if url else None


def _cents(raw: str | None) -> int | None:
    """'20', '20.5', '20,50' (currency units) -> cents; blank or not a price -> None."""
    if raw is None or not raw.strip():
        return None
    try:
        value = float(raw.strip().replace(",", "."))
    except ValueError:
        return None
    if not 0 <= value < 10_000_000:
        return None
    return round(value * 100)


def _page_number(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and 0 < int(raw) < 100_000 else 1


def listing_filters(path: CategoryPath, query: Mapping[str, str], multi: Any) -> ListingFilters:
    sort = query.get("sort", "relevance")
    return ListingFilters(
        category=path,
        price_min_cents=_cents(query.get("price_min")),
        price_max_cents=_cents(query.get("price_max")),
        colours=tuple(v for v in multi.getall("colour", []) if v),
        sizes=tuple(v for v in multi.getall("size", []) if v),
        brands=tuple(v for v in multi.getall("brand", []) if v),
        in_stock_only=query.get("in_stock") == "1",
        sort=sort if sort in SORT_ORDERS else "relevance",
        page=_page_number(query.get("page")),
    )


async def category(request: web.Request) -> web.Response:
    visit_ = await visit(request)
    ctx = context_of(request)
    listing = store_of(request).listing
    slugs = [s for s in request.match_info["path"].split("/") if s]
    tree = await blocking(ctx.shop.category_tree)
    path = category_for_slugs(tree, slugs)
    if path is None:
        return not_found(request, visit_, "category")
    filters = listing_filters(path, request.query, request.query)
    result, facets = await blocking(lambda: (listing.page(filters), listing.facets(path)))
    children = [n for n in tree if len(n.path) == len(path) + 1 and n.path[:-1] == path]
    crumbs = [path[: i + 1] for i in range(len(path))]

    def page_url(number: int) -> str:
        query = [(k, v) for k, v in request.query.items() if k != "page"]
        query.append(("page", str(number)))
        return str(request.rel_url.with_query(query))

    return page(
        request,
        visit_,
        "store/listing.html",
        path=path,
        crumbs=crumbs,
        children=children,
        result=result,
        facets=facets,
        filters=filters,
        price_min=request.query.get("price_min", ""),
        price_max=request.query.get("price_max", ""),
        sort_labels=SORT_LABELS,
        page_url=page_url,
        image_url=_listing_image,
    )


def _variant_rows(
    product: Product, stock: Mapping[str, int], currency: str
) -> list[dict[str, Any]]:
    return [
        {
            "sku": v.sku,
            "label": ", ".join(f"{name} {value}" for name, value in v.options) or v.sku,
            "price": money(v.price_cents, currency),
            "was": money(v.compare_at_cents, currency)
            if v.compare_at_cents and v.compare_at_cents > v.price_cents
            else None,
            "stock": stock_label(stock.get(v.sku, 0)),
            "in_stock": stock.get(v.sku, 0) > 0,
        }
        for v in product.variants
    ]


async def product_page(
    request: web.Request,
    *,
    handle: str | None = None,
    visit_: Visit | None = None,
    error: str | None = None,
    status: int = 200,
    chosen: Mapping[str, str] | None = None,
) -> web.Response:
    visit_ = visit_ or await visit(request)
    ctx = context_of(request)
    listing = store_of(request).listing
    handle = handle or request.match_info["handle"]

    def load() -> tuple[Product, dict[str, int]] | None:
        product_id = listing.product_id_for_handle(handle)
        if product_id is None:
            return None
        try:
            product = ctx.shop.get_product(product_id)
        except ProductNotFound:
            return None
        return product, listing.online_stock([v.sku for v in product.variants])

    loaded = await blocking(load)
    if loaded is None:
        return not_found(request, visit_, "product")
    product, stock = loaded
    prices = [v.price_cents for v in product.variants]
    cheapest = min(product.variants, key=lambda v: v.price_cents) if product.variants else None
    was = (
        cheapest.compare_at_cents
        if cheapest
        and cheapest.compare_at_cents
        and cheapest.compare_at_cents > cheapest.price_cents
        else None
    )
    total = sum(stock.values())
    return page(
        request,
        visit_,
        "store/product.html",
        status=status,
        product_id=product.id,
        product=product,
        images=_image_urls(product),
        price=money(min(prices), ctx.shop.currency) if prices else None,
        varying_price=len(set(prices)) > 1,
        was=money(was, ctx.shop.currency) if was else None,
        stock=stock_label(total),
        in_stock=total > 0,
        options=product.option_values,
        variants=_variant_rows(product, stock, ctx.shop.currency),
        chosen=chosen or {},
        paragraphs=[p.strip() for p in product.description.split("\n\n") if p.strip()],
        error=error,
    )


async def product(request: web.Request) -> web.Response:
    return await product_page(request)


# demo pictures ----------------------------------------------------------------------


async def demo_picture(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if not is_demo_name(name):
        raise web.HTTPNotFound()
    owner = await blocking(store_of(request).listing.image_owner, demo_url(name))
    if owner is None:
        raise web.HTTPNotFound()
    product_type, title = owner
    return web.Response(
        text=demo_svg(name, product_type or title),
        content_type="image/svg+xml",
        headers={
            "Cache-Control": "public, max-age=86400",
            "Content-Security-Policy": "default-src 'none'",
        },
    )
