"""The sentence encoder the FAQ is read with, and the confidence calibration that goes with it.

Set-up tunes MiniLM to the shop's FAQ file (``knowledge.faq_tune``) and writes it to the
``FAQ_ENCODER`` folder (default ``var/models/faq-encoder``). That encoder is used only for
the FAQ phrasings it was tuned on: after a question or alternate of the FAQ is edited
(an answer does not count), until the encoder is tuned again
(``python -m knowledge.faq_tune``, or the set-up), the FAQ is read with the shared
``EMBEDDING_MODEL`` and its own calibration, and a warning says so. The catalog always uses
the shared model.

The tuned encoder puts questions much nearer their entries' phrasings than the packaged
model does, so the same confidence needs a higher cosine: ``TUNED_CALIBRATION`` was chosen
on the tuning half of the first held-out FAQ set by ``bench.faq_eval``'s own rule (right
answers minus twice the wrong ones), docs/benchmarks.md.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from knowledge.embeddings import Embedder, load_embedder
from knowledge.errors import FaqDataError
from knowledge.faq import MINILM_CALIBRATION, Calibration
from knowledge.faq_fit import FitCheck
from knowledge.faq_tune import MODEL_FILE, TOKENIZER_COPY, phrasings_sha256, read_meta
from knowledge.onnx_model import ModelFilesMissing, OnnxSentenceModel
from settings import Settings

log = logging.getLogger(__name__)

TUNED_CALIBRATION = Calibration(floor=0.22, ceiling=0.925)
# The fit check's "another entry is almost as likely" margin: the tuned encoder separates
# entries well enough that a near tie is still mostly right (chosen like the calibration,
# by `bench.faq_eval --encoder tuned --tune`); with the packaged model it stays 0.05.
TUNED_MIN_MARGIN = 0.0

_cache: dict[tuple[Path, str], Embedder] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class FaqEncoder:
    embedder: Embedder
    calibration: Calibration
    tuned: bool

    def fit_check(self, threshold: float) -> FitCheck:
        """The fit check's thresholds for this encoder's cosines."""
        if self.tuned:
            return FitCheck(threshold, min_margin=TUNED_MIN_MARGIN)
        return FitCheck(threshold)


def load_faq_encoder(settings: Settings, shared: Embedder | None = None) -> FaqEncoder:
    """The tuned encoder if one was made for ``settings.faq_path``, else the shared model."""
    folder = settings.faq_encoder_path
    if folder is not None:
        tuned = _load_tuned(folder, settings.faq_path)
        if tuned is not None:
            return FaqEncoder(tuned, TUNED_CALIBRATION, tuned=True)
    fallback = shared or load_embedder(settings.embedding_model)
    return FaqEncoder(fallback, MINILM_CALIBRATION, tuned=False)


def _load_tuned(folder: Path, faq_path: Path) -> Embedder | None:
    meta = read_meta(folder)
    if meta is None:
        log.warning(
            "No FAQ encoder in %s: the FAQ is read with the shared model. Run "
            "`python -m knowledge.faq_tune` (scripts/setup.sh does) for better FAQ answers.",
            folder,
        )
        return None
    try:
        phrasings = phrasings_sha256(faq_path)
    except FaqDataError:
        return None  # the FAQ index says what is wrong with the file
    if meta.get("phrasings_sha256") != phrasings:
        log.warning(
            "The FAQ encoder in %s was tuned on other questions than those of %s: the FAQ is "
            "read with the shared model until `python -m knowledge.faq_tune` tunes it again.",
            folder,
            faq_path,
        )
        return None
    graph = folder / MODEL_FILE
    with _lock:
        model_sha = hashlib.sha256(graph.read_bytes()).hexdigest()
        key = (folder.resolve(), model_sha)
        cached = _cache.get(key)
        if cached is not None:
            return cached
        try:
            model = OnnxSentenceModel(graph, folder / TOKENIZER_COPY)
        except (ModelFilesMissing, OSError) as exc:
            log.warning("The FAQ encoder in %s cannot be loaded (%s): shared model", folder, exc)
            return None
        embedder = Embedder(f"faq-tuned-{model_sha[:16]}", model)
        _cache[key] = embedder
        log.info("FAQ encoder: %s (tuned on %s)", graph, faq_path)
        return embedder
