"""A merchant's own catalog, end to end: import, set-up, and a shopper's conversation.

What a merchant does (README, "My catalog instead of the demo"): start from the demo shop,
``python -m shop import FILE --format shopify --replace``, then ``bash scripts/setup.sh``,
which regenerates the NLU lookups and the knowledge index from the new catalog. The model
is not retrained: it was trained on the demo's tables, and the Rasa server reads the shop's
own from ``var/nlu/lookups`` while it serves (``bot/components/catalog_words.py``). The
fixture catalog (``tests/fixtures/catalog/shopify_home_jewellery.csv``, written for this
project) has categories, option names and values the demo shop never had: furniture,
jewellery, wood, fabric, metal. Then the real Rasa server and action server run on that
state, and a shopper finds a product by its own words, refines by an option value, adds it
and checks out.

Expected values are read from the shop after the import, never hard-coded.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scripts.stackctl import LocalStack, StackError, copy_state
from settings import Settings
from shop.api import OrderAccess, Product
from shop.db import create_engine_from_url
from shop.sql_service import SqlShopService

# the fixture imports, runs set-up (the product index of the new catalog) and starts the
# stack: a few minutes, more than the default 300 s on a slow machine
pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "catalog" / "shopify_home_jewellery.csv"
SOURCE_VAR = ROOT / "var"
# what a merchant's var/ holds after the first start: the set-up stamps and the trained model
_SHARED_STAMPS = ("venv-rasa", "venv-app", "shop-seed", "lookups", "rasa-model")


class MerchantStack:
    def __init__(self, local: LocalStack, var_dir: Path, setup_log: str) -> None:
        self.local = local
        self.var_dir = var_dir
        self.setup_log = setup_log
        settings = Settings.from_env(local.cfg.env())
        self.shop = SqlShopService(
            create_engine_from_url(settings.shop_database_url), currency=settings.currency
        )

    def say(self, sender: str, text: str) -> str:
        return self.local.conversations.say(sender, text)

    def slots(self, sender: str) -> dict[str, Any]:
        found = self.local.conversations.tracker(sender).get("slots")
        assert isinstance(found, dict)
        return found


def _run(command: list[str], env: dict[str, str], timeout: float) -> str:
    """Runs ``command`` in a process group of its own: when it times out, or the test is
    stopped (pytest-timeout, Ctrl-C), the whole group goes, ``rasa train`` and its trainer
    subprocess included (killing only bash left them training for the rest of the run)."""
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        pytest.fail(f"{' '.join(command)} took over {timeout:.0f} s:\n{output[-4000:]}")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if process.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed ({process.returncode}):\n{output[-4000:]}")
    return output


@pytest.fixture(scope="module")
def merchant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MerchantStack]:
    work = tmp_path_factory.mktemp("merchant")
    var_dir = work / "var"
    copy_state(SOURCE_VAR, var_dir)  # the demo shop a merchant has after the first start
    (var_dir / "fingerprints").mkdir()
    for stamp in _SHARED_STAMPS:
        shutil.copy2(SOURCE_VAR / "fingerprints" / stamp, var_dir / "fingerprints" / stamp)
    (var_dir / "models").mkdir()
    shutil.copy2(SOURCE_VAR / "models" / "shop.tar.gz", var_dir / "models" / "shop.tar.gz")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SHOP_", "CHROMA_", "RASA_", "ASSISTANT_", "TRACKER_"))
        and key not in {"SECRETS_DIR", "ACTION_ENDPOINT_URL", "ACTION_HEALTH_URL"}
    }
    env["ASSISTANT_VAR_DIR"] = str(var_dir)
    python = str(ROOT / ".venv" / "bin" / "python")
    _run(
        [python, "-m", "shop", "import", str(FIXTURE), "--format", "shopify", "--replace"],
        env,
        timeout=300,
    )
    setup_log = _run(["bash", "scripts/setup.sh"], env, timeout=600)
    try:
        local = LocalStack.create(work / "stack", source_var=var_dir)  # var_dir's model
        local.start("actions", "rasa")
    except StackError as exc:
        pytest.fail(f"could not start the stack on the imported catalog: {exc}", pytrace=False)
    try:
        yield MerchantStack(local, var_dir, setup_log)
    finally:
        local.stop()


def _sender() -> str:
    return f"merchant-{uuid.uuid4().hex[:10]}"


def _euros(cents: int) -> str:
    return f"{cents / 100:.2f} EUR"


def _in_category(product: Product, name: str) -> bool:
    return name.casefold() in (part.casefold() for part in product.category_path)


def test_setup_wrote_the_imported_catalogs_words(merchant: MerchantStack) -> None:
    lookups = merchant.var_dir / "nlu" / "lookups"
    words = "\n".join(path.read_text() for path in sorted(lookups.glob("*.yml"))).casefold()
    assert "sofas" in words and "bracelets" in words and "oak" in words
    assert "running shoes" not in words  # the demo's words are gone with its products


def test_setup_kept_the_trained_model(merchant: MerchantStack) -> None:
    model = merchant.var_dir / "models" / "shop.tar.gz"
    assert f"unchanged; {model} is current" in merchant.setup_log
    assert model.read_bytes() == (SOURCE_VAR / "models" / "shop.tar.gz").read_bytes()


def test_only_the_merchants_products_are_in_the_shop(merchant: MerchantStack) -> None:
    handles = {product.handle for product in merchant.shop.iter_products()}
    in_file = set(re.findall(r"^([a-z0-9-]+),", FIXTURE.read_text(), flags=re.MULTILINE))
    in_file.discard("handle")
    assert handles == in_file


def _shown(merchant: MerchantStack, sender: str) -> list[Product]:
    return merchant.shop.get_products(merchant.slots(sender)["last_results"])


def _is_sofa(product: Product) -> bool:
    words = " ".join(
        (product.title, product.product_type, *product.category_path, *product.suggested_category)
    )
    return "sofa" in words.casefold()


def test_find_refine_by_an_option_value_add_and_check_out(merchant: MerchantStack) -> None:
    sender = _sender()
    reply = merchant.say(sender, "do you have any sofas?")
    sofas = _shown(merchant, sender)
    assert sofas, reply
    assert all(_is_sofa(product) for product in sofas), [p.title for p in sofas]
    for product in sofas:
        assert product.title in reply

    reply = merchant.say(sender, "any in velvet?")
    velvet = _shown(merchant, sender)
    assert velvet, reply
    for product in velvet:
        assert _is_sofa(product)
        assert any(v.option("Fabric") == "Velvet" for v in product.variants), product.title
        assert product.title in reply
    loveseat = next(p for p in merchant.shop.iter_products() if p.handle == "linden-loveseat")
    assert loveseat.id in [p.id for p in velvet]

    reply = merchant.say(sender, "add the Linden Loveseat to my cart")
    [velvet_variant] = [v for v in loveseat.variants if v.option("Fabric") == "Velvet"]
    cart = merchant.shop.get_cart(sender)
    assert [(line.sku, line.quantity) for line in cart.lines] == [(velvet_variant.sku, 1)]
    assert _euros(cart.total_cents) in reply

    assert "e-mail" in merchant.say(sender, "checkout")
    assert "name" in merchant.say(sender, "ines.merchant@example.com")
    assert "address" in merchant.say(sender, "Ines Laurent")
    assert "pay" in merchant.say(sender, "4 quai des Chartrons, 33000 Bordeaux")
    assert "Shall I place the order?" in merchant.say(sender, '/inform{"payment_method": "card"}')
    reply = merchant.say(sender, "yes")
    number = re.search(r"order (\d{5,8})", reply)
    assert number, reply
    order = merchant.shop.get_order(number.group(1), OrderAccess(email="ines.merchant@example.com"))
    assert [(line.sku, line.quantity) for line in order.lines] == [(velvet_variant.sku, 1)]


def test_jewellery_found_by_its_own_words(merchant: MerchantStack) -> None:
    sender = _sender()
    reply = merchant.say(sender, "I'm looking for gold earrings")
    shown = _shown(merchant, sender)
    assert shown, reply
    for product in shown:
        assert "Earrings" in product.category_path, product.title
        assert any(v.option("Metal") == "Gold" for v in product.variants), product.title
        assert product.title in reply
