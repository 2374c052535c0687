"""The MiniLM encoder behind the Rasa featurizer (bot/components/minilm_encoder.py).

Runs the real packaged int8 model. The sentence vector must be the one the knowledge base
computes for the same text (so NLU and search agree on what a message means), and each
Rasa word must get the vector of its own word pieces, whatever the batch it was in.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from bot.components.minilm_encoder import MiniLmEncoder, word_vectors
from knowledge.onnx_model import ModelFilesMissing, OnnxSentenceModel

TEXT = "Do you have the Nordpeak sneakers in green?"


def spans_of(text: str) -> list[tuple[int, int]]:
    """Whitespace words as (start, end), as Rasa's WhitespaceTokenizer gives them."""
    spans, start = [], 0
    for word in text.split():
        start = text.index(word, start)
        spans.append((start, start + len(word)))
        start += len(word)
    return spans


@cache
def encoder() -> MiniLmEncoder:
    return MiniLmEncoder()


def test_the_sentence_vector_is_the_knowledge_base_vector() -> None:
    [encoded] = encoder().encode([TEXT], [spans_of(TEXT)])
    expected = OnnxSentenceModel.packaged().encode([TEXT])[0]
    assert encoded.sentence.shape == (1, 384)
    assert float(encoded.sentence[0] @ expected) > 0.9999


def test_every_word_gets_one_vector() -> None:
    [encoded] = encoder().encode([TEXT], [spans_of(TEXT)])
    assert encoded.words.shape == (8, 384)
    assert np.all(np.linalg.norm(encoded.words, axis=1) > 0)


def test_a_message_encodes_the_same_alone_and_in_a_padded_batch() -> None:
    texts = [TEXT, "hi", "where is my order 10023, it should have come last week"]
    batch = encoder().encode(texts, [spans_of(t) for t in texts], batch_size=3)
    [alone] = encoder().encode([TEXT], [spans_of(TEXT)])
    np.testing.assert_allclose(batch[0].sentence, alone.sentence, atol=1e-4)
    np.testing.assert_allclose(batch[0].words, alone.words, atol=1e-3)
    assert [b.words.shape[0] for b in batch] == [8, 1, 11]


def test_a_word_in_several_pieces_gets_their_mean() -> None:
    hidden = np.array([[9.0, 9.0], [1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [9.0, 9.0]])
    offsets = [(0, 0), (0, 5), (5, 8), (9, 12), (0, 0)]  # [CLS] sneak ##ers red [SEP]
    vectors = word_vectors(hidden, offsets, [(0, 8), (9, 12)])
    np.testing.assert_allclose(vectors, [[2.0, 3.0], [5.0, 6.0]])


def test_a_word_without_pieces_is_a_zero_row() -> None:
    hidden = np.array([[9.0, 9.0], [1.0, 2.0], [9.0, 9.0]])
    vectors = word_vectors(hidden, [(0, 0), (0, 3), (0, 0)], [(0, 3), (4, 6)])
    np.testing.assert_allclose(vectors[1], [0.0, 0.0])


def test_a_missing_model_file_says_which_and_what_to_do(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.onnx"
    with pytest.raises(ModelFilesMissing, match=r"nowhere\.onnx does not exist"):
        MiniLmEncoder(missing)
