"""Texts whose fp32 all-MiniLM-L6-v2 vectors are recorded in data/minilm_fp32_reference.json."""

from __future__ import annotations

from pathlib import Path

REFERENCE_FILE = Path(__file__).parent / "data" / "minilm_fp32_reference.json"

LONG_DOCUMENT = (
    "Aerorun 3 running shoe by Stride. running shoes (shoes). material: mesh. colours: blue, "
    "red. drop: 8 mm, waterproof: no. " + "A light cushioned shoe for long road runs. " * 40
)  # well over the model's 256 tokens: both must truncate the same way

REFERENCE_TEXTS: tuple[str, ...] = (
    "running shoes",
    "how long does delivery take?",
    "When will my order arrive?",
    "a warm wool sweater",
    "Größe 42, bleu",
    "x",
    "is it waterproof?",
    "wireless noise cancelling headphones",
    "Can I return an item after 30 days?",
    "cream velvet three-seater sofa",
    "sterling silver hoop earrings",
    LONG_DOCUMENT,
)
