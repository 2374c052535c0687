"""nlu_data/generate_lookups.py, run as its command line is run: a real process, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "nlu_data" / "generate_lookups.py"
TABLES = ("brand", "category", "colour", "material", "option", "option_name", "product")
FILES = sorted([*(f"{t}.generated.yml" for t in TABLES), "synonyms.generated.yml"])
FIXTURE = ROOT / "tests" / "fixtures" / "catalog" / "shopify_home_jewellery.csv"

VOCABULARY: dict[str, list[Any]] = {
    "categories": ["shoes", "outdoor", "electronics"],
    "subcategories": ["running shoes", "rain jackets", "hoodies", "dresses"],
    "brands": ["Voltix", "Aerorun", "aerorun", "  Maison   Ode "],
    "colours": ["navy", "black", "black"],
    "sizes": ["42", "M"],
    "materials": ["wool", "cotton"],
    "options": [["wood", ["walnut", "oak"]], ["metal", ["gold"]]],
    "synonyms": [["running shoe", "running shoes"], ["trail shoes", "running shoes"]],
}


def run(
    vocabulary: object, out: Path, *options: str, raw: str | None = None
) -> subprocess.CompletedProcess[str]:
    text = raw if raw is not None else json.dumps(vocabulary)
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--vocabulary-json", "-", "--out", str(out), *options],
        input=text,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )


def entries(path: Path) -> list[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    [table] = data["nlu"]
    assert table["lookup"] == path.name.split(".")[0]
    return [line[2:] for line in table["examples"].splitlines()]


def test_writes_sorted_deduplicated_rasa_lookups(tmp_path: Path) -> None:
    result = run(VOCABULARY, tmp_path)

    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == FILES
    assert entries(tmp_path / "brand.generated.yml") == ["Aerorun", "Maison Ode", "Voltix"]
    assert entries(tmp_path / "colour.generated.yml") == ["black", "navy"]
    # with the singular or plural shoppers write ("a shoe", "the outdoors")
    assert entries(tmp_path / "category.generated.yml") == [
        "electronic",
        "electronics",
        "outdoor",
        "outdoors",
        "shoe",
        "shoes",
    ]
    products = entries(tmp_path / "product.generated.yml")
    assert products == sorted(products)
    # shoppers write the singular: "a rain jacket", "a hoodie", "a dress"
    assert {"rain jacket", "rain jackets", "hoodie", "dress", "running shoes"} <= set(products)


def test_output_does_not_depend_on_catalog_order(tmp_path: Path) -> None:
    shuffled = {key: list(reversed(values)) for key, values in VOCABULARY.items()}
    first, second = tmp_path / "a", tmp_path / "b"
    assert run(VOCABULARY, first).returncode == 0
    assert run(shuffled, second).returncode == 0

    for name in FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_unchanged_catalog_keeps_files_and_mtimes(tmp_path: Path) -> None:
    assert run(VOCABULARY, tmp_path).returncode == 0
    old = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    for path in tmp_path.iterdir():  # make any rewrite visible even on coarse clocks
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))

    changed = {**VOCABULARY, "colours": ["navy", "black", "olive"]}
    result = run(changed, tmp_path)

    assert result.returncode == 0, result.stderr
    rewritten = {p.name for p in tmp_path.iterdir() if p.stat().st_mtime_ns != 1_000_000_000}
    assert rewritten == {"colour.generated.yml"}
    assert entries(tmp_path / "colour.generated.yml") == ["black", "navy", "olive"]
    assert set(old) == {p.name for p in tmp_path.iterdir()}


def test_empty_table_removes_its_file(tmp_path: Path) -> None:
    assert run(VOCABULARY, tmp_path).returncode == 0

    assert run({**VOCABULARY, "materials": []}, tmp_path).returncode == 0

    assert not (tmp_path / "material.generated.yml").exists()
    assert (tmp_path / "brand.generated.yml").exists()


def test_bad_vocabulary_is_refused_with_the_field_named(tmp_path: Path) -> None:
    result = run({**VOCABULARY, "brands": "Aerorun"}, tmp_path)

    assert result.returncode == 2
    assert "'brands' must be a list of strings" in result.stderr
    assert "python -m shop vocabulary" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_invalid_json_is_refused(tmp_path: Path) -> None:
    result = run(None, tmp_path, raw="{not json")

    assert result.returncode == 2
    assert "not valid JSON" in result.stderr


def test_options_and_synonyms_of_the_catalog_are_written(tmp_path: Path) -> None:
    result = run(VOCABULARY, tmp_path)

    assert result.returncode == 0, result.stderr
    assert entries(tmp_path / "option.generated.yml") == ["gold", "oak", "walnut"]
    assert entries(tmp_path / "option_name.generated.yml") == ["metal", "wood"]
    assert "trail shoes" in entries(tmp_path / "product.generated.yml")
    data = yaml.safe_load((tmp_path / "synonyms.generated.yml").read_text(encoding="utf-8"))
    assert data["nlu"] == [
        {"synonym": "running shoes", "examples": "- running shoe\n- trail shoes\n"}
    ]


def test_a_node_that_is_also_a_products_category_is_a_product_word(tmp_path: Path) -> None:
    vocabulary = {**VOCABULARY, "categories": ["furniture", "sofas"], "subcategories": ["sofas"]}

    assert run(vocabulary, tmp_path).returncode == 0

    assert entries(tmp_path / "category.generated.yml") == ["furniture", "furnitures"]
    assert {"sofa", "sofas"} <= set(entries(tmp_path / "product.generated.yml"))


def test_a_vocabulary_without_options_or_synonyms_is_still_read(tmp_path: Path) -> None:
    older = {k: v for k, v in VOCABULARY.items() if k not in ("options", "synonyms")}

    assert run(older, tmp_path).returncode == 0

    assert not (tmp_path / "option.generated.yml").exists()
    assert not (tmp_path / "synonyms.generated.yml").exists()
    assert (tmp_path / "product.generated.yml").exists()


def test_lookups_of_an_imported_catalog_hold_its_own_words(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ASSISTANT_VAR_DIR": str(tmp_path / "var"),
        "SHOP_DATABASE_URL": f"sqlite:///{tmp_path / 'shop.db'}",
    }
    shop = [sys.executable, "-m", "shop"]
    imported = subprocess.run(
        [*shop, "import", str(FIXTURE), "--format", "shopify", "--quiet"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    vocabulary = subprocess.run(
        [*shop, "vocabulary"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert vocabulary.returncode == 0, vocabulary.stderr

    result = run(None, tmp_path / "lookups", raw=vocabulary.stdout)

    assert result.returncode == 0, result.stderr
    lookups = tmp_path / "lookups"
    assert {"oak", "walnut", "gold", "velvet"} <= set(entries(lookups / "option.generated.yml"))
    assert {"sofa", "sofas", "bracelet", "jumper"} <= set(
        entries(lookups / "product.generated.yml")
    )
    assert {"furniture", "jewellery"} <= set(entries(lookups / "category.generated.yml"))
    synonyms = yaml.safe_load((lookups / "synonyms.generated.yml").read_text(encoding="utf-8"))
    sofas = next(item for item in synonyms["nlu"] if item["synonym"] == "sofas")
    assert "- sofa\n" in sofas["examples"]


def test_tables_only_writes_no_synonyms_file(tmp_path: Path) -> None:
    result = run(VOCABULARY, tmp_path, "--tables-only")

    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        name for name in FILES if name != "synonyms.generated.yml"
    ]


def test_the_committed_training_tables_are_the_demo_seeds(tmp_path: Path) -> None:
    """nlu_data/lookups/ (what the model trains on) is what the script writes from a shop
    seeded with the demo catalog's defaults: a change to the demo generator shows here."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SHOP_", "ASSISTANT_"))},
        "PYTHONPATH": str(ROOT),
        "ASSISTANT_VAR_DIR": str(tmp_path / "var"),
        "SHOP_DATABASE_URL": f"sqlite:///{tmp_path / 'shop.db'}",
    }
    (tmp_path / "var").mkdir()
    for command in (["-m", "shop", "seed"], ["-m", "shop", "vocabulary"]):
        done = subprocess.run(
            [sys.executable, *command], capture_output=True, text=True, cwd=ROOT, env=env,
            timeout=300, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
    out = tmp_path / "tables"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--tables-only", "--vocabulary-json=-", f"--out={out}"],
        input=done.stdout, capture_output=True, text=True, cwd=ROOT, env=env, timeout=60,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr

    committed = ROOT / "nlu_data" / "lookups"
    assert {p.name: p.read_text() for p in out.iterdir()} == {
        p.name: p.read_text() for p in committed.iterdir()
    }
