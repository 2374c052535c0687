"""The shop command line, run as the setup script runs it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ASSISTANT_VAR_DIR": str(tmp_path / "var"),
        "SHOP_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'shop.db'}",
    }
    return subprocess.run(
        [sys.executable, "-m", "shop", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp_path = tmp_path_factory.mktemp("cli")
    result = _run(tmp_path, "seed", "--products", "60", "--seed", "5")
    assert result.returncode == 0, result.stderr
    assert "60 products" in result.stdout
    return tmp_path


def test_seed_only_fills_an_empty_database(seeded: Path) -> None:
    again = _run(seeded, "seed", "--products", "80")
    assert again.returncode == 0
    assert "already has 60 products" in again.stdout


def test_vocabulary_and_fingerprint_print_the_catalog(seeded: Path) -> None:
    result = _run(seeded, "vocabulary")
    assert result.returncode == 0, result.stderr
    vocabulary = json.loads(result.stdout)
    assert set(vocabulary) == {
        "categories",
        "subcategories",
        "brands",
        "colours",
        "sizes",
        "materials",
        "options",
        "synonyms",
    }
    assert "shoes" in vocabulary["categories"] and vocabulary["brands"]
    assert ["running shoe", "running shoes"] in vocabulary["synonyms"]
    first = _run(seeded, "fingerprint")
    assert first.returncode == 0 and len(first.stdout.strip()) == 16
    assert _run(seeded, "fingerprint").stdout == first.stdout


def test_import_changes_the_fingerprint_and_reports(seeded: Path) -> None:
    before = _run(seeded, "fingerprint").stdout
    fixture = ROOT / "tests" / "shop" / "fixtures" / "catalog.json"
    result = _run(seeded, "import", str(fixture), "--format", "json", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "Rejected 2 row(s)" in result.stdout
    assert _run(seeded, "fingerprint").stdout != before


def test_failures_exit_non_zero_with_a_message(tmp_path: Path) -> None:
    empty = _run(tmp_path, "vocabulary")
    assert empty.returncode == 1 and "python -m shop seed" in empty.stderr
    missing = _run(tmp_path, "import", "nope.csv", "--format", "csv")
    assert missing.returncode == 1 and "no such file" in missing.stderr
    bad_format = _run(tmp_path, "import", "x.csv", "--format", "xml")
    assert bad_format.returncode == 2


def test_import_replace_prints_what_was_replaced_and_the_suggestions(tmp_path: Path) -> None:
    assert _run(tmp_path, "seed", "--products", "30", "--seed", "2").returncode == 0
    fixture = ROOT / "tests" / "fixtures" / "catalog" / "shopify_home_jewellery.csv"

    result = _run(tmp_path, "import", str(fixture), "--format", "shopify", "--replace", "--quiet")

    assert result.returncode == 0, result.stderr
    assert "16 product(s) created" in result.stdout
    assert "Replaced the previous catalog: removed 30 product(s)" in result.stdout
    assert (
        "walnut-bedside-cabinet (Walnut Bedside Cabinet): suggested "
        "Furniture > Tables > Bedside Tables (confidence" in result.stdout
    )
    vocabulary = json.loads(_run(tmp_path, "vocabulary").stdout)
    assert "sofas" in vocabulary["categories"] and "shoes" not in vocabulary["categories"]


def test_a_database_of_an_older_shop_is_refused_then_seeded_again(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    with sqlite3.connect(tmp_path / "var" / "shop.db") as conn:  # categories as two columns
        conn.execute("CREATE TABLE products (id TEXT PRIMARY KEY, category TEXT, subcategory TEXT)")
        conn.execute("INSERT INTO products VALUES ('P1', 'shoes', 'boots')")

    refused = _run(tmp_path, "vocabulary")
    assert refused.returncode == 1
    assert "older version of the shop (missing products: " in refused.stderr

    seeded = _run(tmp_path, "seed", "--products", "20")
    assert seeded.returncode == 0, seeded.stderr
    assert "20 products" in seeded.stdout
    assert _run(tmp_path, "vocabulary").returncode == 0
    # it held products and no demo seeding record: maybe a merchant's catalog, kept aside
    [kept] = (tmp_path / "var").glob("shop.db.*.bak")
    with sqlite3.connect(kept) as conn:
        assert conn.execute("SELECT id, category FROM products").fetchall() == [("P1", "shoes")]
    assert f"it was kept as {kept}" in seeded.stdout
