"""The whole gibberish test, put together once for the NLU component and the action server.

Known words are the NLU training words (one typo allowed in longer words) and the embedding
model's whole words (``wordpiece``); an unknown word still counts for the message when the
mashing test (``mashing``, a letter-pair model learnt from those same words) finds nothing
against it. A message is gibberish when fewer than ``threshold`` of its judged words count.

Pure Python (no Rasa import): ``bot.components.oov_fallback`` builds it in the Rasa server;
``actions.dialogue.knowledge_fallback`` builds it (without training words) so that a message
the NLU was unsure about is never searched or answered when it is keyboard mashing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.components.mashing import BigramModel, MashingCheck, MashingRules
from bot.components.vocabulary import Assessment, Vocabulary, assess
from bot.components.wordpiece import DEFAULT_TOKENIZER_FILE, whole_words


@dataclass(frozen=True)
class GibberishTest:
    vocabulary: Vocabulary
    mashing: MashingCheck
    threshold: float = 0.5
    min_word_length: int = 3

    def assess(self, text: str) -> Assessment:
        return assess(
            text, self.vocabulary, min_word_length=self.min_word_length, mashing=self.mashing
        )

    def is_gibberish(self, text: str) -> bool:
        """True if the message has judged words and too few of them count as words."""
        assessment = self.assess(text)
        return bool(assessment.judged) and assessment.word_share < self.threshold


def build_gibberish_test(
    training_words: Iterable[str] = (),
    *,
    tokenizer_file: Path | None = DEFAULT_TOKENIZER_FILE,
    rules: MashingRules | None = None,
    threshold: float = 0.5,
    min_word_length: int = 3,
    typo_min_length: int = 5,
) -> GibberishTest:
    """The test for these training words and the tokenizer's whole words.

    ``tokenizer_file=None`` leaves the embedding model's words out (the letter-pair model
    then learns from the training words alone).
    """
    exact = whole_words(tokenizer_file) if tokenizer_file is not None else frozenset()
    vocabulary = Vocabulary(training_words, typo_min_length=typo_min_length, exact=exact)
    letters = BigramModel(exact | frozenset(vocabulary.sorted_words()))
    return GibberishTest(
        vocabulary=vocabulary,
        mashing=MashingCheck(letters, rules),
        threshold=threshold,
        min_word_length=min_word_length,
    )
