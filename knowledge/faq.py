"""FAQ retrieval: every phrasing of every entry in the Chroma collection ``faq``, plus BM25.

``FaqIndex.ask(question)`` ranks entries by a blend of the best cosine similarity between
the question and any phrasing of the entry (question or alternate) and a saturated BM25
score over the entry's words; the blend is mapped to a 0..1 confidence. Unrelated
questions ("what is the capital of Peru") land well below the default threshold (0.55),
paraphrases of an entry well above it.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection

from knowledge.api import FaqAnswer, FaqEntry, FaqResults
from knowledge.embeddings import BUILD_THREADS, Embedder
from knowledge.errors import IndexNotBuilt
from knowledge.faq_data import load_faq
from knowledge.faq_fit import FitCheck
from knowledge.faq_query import core_question
from knowledge.faq_second import SecondOpinion, SecondReader
from knowledge.faq_spelling import FaqSpelling
from knowledge.lexical import LexicalIndex
from knowledge.manifest import Manifest, fingerprint
from knowledge.store import add_batched, existing_collection, fresh_collection

log = logging.getLogger(__name__)

FAQ_COLLECTION = "faq"
FAQ_INDEX_VERSION = 1
# Blend and calibration of the confidence (tuned on the shipped FAQ with all-MiniLM-L6-v2).
VECTOR_WEIGHT = 0.8
LEXICAL_WEIGHT = 0.2
LEXICAL_SATURATION = 4.0  # BM25 score that counts as half of a full lexical match
CONFIDENCE_FLOOR = 0.30  # blended score at confidence 0
CONFIDENCE_CEILING = 0.80  # blended score at confidence 1
_CANDIDATE_PHRASINGS = 500
# An unsure best entry and a runner-up this close, both at the threshold: a close pair.
CLOSE_PAIR_GAP = 0.1


def faq_file_fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _entry_lexical_text(entry: FaqEntry) -> str:
    return " ".join((entry.topic, entry.question, *entry.alternates, entry.answer))


@dataclass(frozen=True)
class FaqBuildReport:
    built: bool
    entries: int
    phrasings: int
    seconds: float


def build_faq_index(
    *,
    client: ClientAPI,
    folder: Path,
    embedder: Embedder,
    faq_path: Path,
    force: bool = False,
) -> FaqBuildReport:
    """Index the FAQ file unless the manifest says this file and model are indexed."""
    started = time.perf_counter()
    entries = load_faq(faq_path)  # validate first, even when nothing needs rebuilding
    wanted = fingerprint(
        faq_file_fingerprint(faq_path), embedder.name, embedder.backend, str(FAQ_INDEX_VERSION)
    )
    manifest = Manifest.load(folder)
    collection = existing_collection(client, FAQ_COLLECTION)
    if (
        not force
        and manifest is not None
        and manifest.fingerprint == wanted
        and collection is not None
        and collection.count() == manifest.count
        and (folder / "bm25").is_dir()
    ):
        return FaqBuildReport(False, len(entries), manifest.count, 0.0)

    Manifest.remove(folder)
    collection = fresh_collection(client, FAQ_COLLECTION)
    ids: list[str] = []
    texts: list[str] = []
    metadatas: list[dict[str, str | int]] = []
    for row, entry in enumerate(entries):
        for k, phrasing in enumerate((entry.question, *entry.alternates)):
            ids.append(f"{entry.id}#{k}")
            texts.append(phrasing)
            metadatas.append({"entry_id": entry.id, "row": row, "topic": entry.topic})
    add_batched(
        client,
        collection,
        ids=ids,
        embeddings=embedder.encode(texts, threads=BUILD_THREADS),
        documents=texts,
        metadatas=list(metadatas),
    )
    staging = folder.with_name(folder.name + ".staging")
    shutil.rmtree(staging, ignore_errors=True)
    LexicalIndex.build([_entry_lexical_text(e) for e in entries]).save(staging / "bm25")
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    Manifest(
        fingerprint=wanted,
        source_fingerprint=faq_file_fingerprint(faq_path),
        model=embedder.name,
        index_version=FAQ_INDEX_VERSION,
        count=len(ids),
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
    ).save(folder)
    seconds = time.perf_counter() - started
    log.info("FAQ index built: %d entries, %d phrasings in %.1f s", len(entries), len(ids), seconds)
    return FaqBuildReport(True, len(entries), len(ids), seconds)


@dataclass(frozen=True)
class FaqCandidate:
    """An entry found for a question: its retrieval confidence and best phrasing cosine."""

    row: int
    confidence: float
    similarity: float


@dataclass(frozen=True)
class Calibration:
    """Blended scores at confidence 0 and 1. They depend on the embedding model: another
    model's cosines live in another range (multilingual-e5's unrelated pairs sit near 0.75,
    MiniLM's near 0.1), so a model other than the default needs its own."""

    floor: float = CONFIDENCE_FLOOR
    ceiling: float = CONFIDENCE_CEILING


MINILM_CALIBRATION = Calibration()


def confidence_of(
    similarity: float, lexical: float, calibration: Calibration = MINILM_CALIBRATION
) -> float:
    """Map the best phrasing similarity and the BM25 score to a 0..1 confidence."""
    lexical_part = lexical / (lexical + LEXICAL_SATURATION) if lexical > 0 else 0.0
    blended = VECTOR_WEIGHT * similarity + LEXICAL_WEIGHT * lexical_part
    scaled = (blended - calibration.floor) / (calibration.ceiling - calibration.floor)
    return float(min(1.0, max(0.0, scaled)))


class FaqIndex:
    def __init__(
        self,
        *,
        entries: tuple[FaqEntry, ...],
        collection: Collection,
        lexical: LexicalIndex,
        embedder: Embedder,
        threshold: float,
        fit: FitCheck | None = None,
        calibration: Calibration = MINILM_CALIBRATION,
        second: SecondOpinion | None = None,
    ) -> None:
        self.entries = entries
        self.second = second
        self.calibration = calibration
        self.spelling = FaqSpelling(
            (text for e in entries for text in (e.topic, e.question, e.answer, *e.alternates)),
            known=embedder.vocabulary(),
        )
        self._collection = collection
        self._lexical = lexical
        self._embedder = embedder
        self.threshold = threshold
        self.fit = fit if fit is not None else FitCheck(threshold)
        self._phrasings = collection.count()
        # a phrasing's id is "<entry id>#<k>" (build_faq_index): its entry's row comes from
        # the id, so a query need not fetch each phrasing's metadata (most of its time)
        self._row_of = {entry.id: row for row, entry in enumerate(entries)}

    @property
    def embedder(self) -> Embedder:
        """The sentence encoder the FAQ is read with (``knowledge.faq_encoder``)."""
        return self._embedder

    @classmethod
    def open(
        cls,
        *,
        client: ClientAPI,
        folder: Path,
        embedder: Embedder,
        faq_path: Path,
        threshold: float,
        fit: FitCheck | None = None,
        calibration: Calibration = MINILM_CALIBRATION,
        second_reader: SecondReader | None = None,
    ) -> FaqIndex:
        """Open the FAQ index, rebuilding it first if the FAQ file changed (it is small).

        With a ``second_reader``, questions retrieval is unsure of are read again by it
        (``knowledge.faq_second``); its vectors of the FAQ are kept in ``folder``.
        """
        build_faq_index(client=client, folder=folder, embedder=embedder, faq_path=faq_path)
        collection = existing_collection(client, FAQ_COLLECTION)
        if collection is None:
            raise IndexNotBuilt("FAQ", folder)
        entries = load_faq(faq_path)
        second = SecondOpinion.open(folder, entries, second_reader) if second_reader else None
        return cls(
            entries=entries,
            collection=collection,
            lexical=LexicalIndex.load(folder / "bm25"),
            embedder=embedder,
            threshold=threshold,
            fit=fit,
            calibration=calibration,
            second=second,
        )

    def ask(self, question: str, k: int = 3) -> FaqResults:
        """The ``k`` best entries for ``question``, best first, with 0..1 confidences.

        The message is first reduced to its question (``knowledge.faq_query``: no
        greeting, no thanks) and its typos corrected towards the FAQ's own words. Only the
        best entry can be ``confident``, and only when it passes the fit check
        (``knowledge.faq_fit``): its confidence alone says it resembles the question, not
        that it answers it. A doubt about retrieval alone (not about what the entry says)
        is settled when the second reader, if any, finds the same entry
        (``knowledge.faq_second``).
        """
        if not question.strip() or k < 1:
            return FaqResults(question=question, answers=())
        text = self.spelling.correct(core_question(question))
        ranked = [c for c in self.rank(text) if c.confidence > 0.0][:k]
        # an entry with no resemblance at all is not an answer
        answers = []
        for position, candidate in enumerate(ranked):
            entry = self.entries[candidate.row]
            sure = False
            if position == 0:
                runner_up = ranked[1].confidence if len(ranked) > 1 else 0.0
                reason = self._unsure_because(text, candidate, runner_up)
                sure = reason is None
                if reason is not None:
                    log.debug("FAQ %s unsure for %r: %s", entry.id, text, reason)
            answers.append(
                FaqAnswer(entry=entry, confidence=round(candidate.confidence, 4), confident=sure)
            )
        close_pair: tuple[FaqAnswer, ...] = ()
        if (
            len(answers) > 1
            and not answers[0].confident
            and answers[1].confidence >= self.threshold
            and answers[0].confidence - answers[1].confidence < CLOSE_PAIR_GAP
        ):
            close_pair = (answers[0], answers[1])
        return FaqResults(question=question, answers=tuple(answers), close_pair=close_pair)

    def _unsure_because(self, text: str, best: FaqCandidate, runner_up: float) -> str | None:
        """The fit check of the best entry; a retrieval doubt the second reader settles
        (same entry, close enough) is no doubt."""
        entry = self.entries[best.row]
        mismatch = self.fit.content_mismatch(text, entry)
        if mismatch is not None:
            return mismatch
        doubt = self.fit.retrieval_doubt(
            text, confidence=best.confidence, similarity=best.similarity, runner_up=runner_up
        )
        if doubt is not None and self.second is not None and self.second.confirms(text, best.row):
            log.debug("FAQ %s for %r: %s, settled by the second reader", entry.id, text, doubt)
            return None
        return doubt

    def rank(self, text: str) -> list[FaqCandidate]:
        """Every entry that resembles ``text`` at all, by retrieval confidence, best first.

        Words the FAQ never uses that are one typo away from one it does are read as that
        word first (``knowledge.faq_spelling``).
        """
        text = self.spelling.correct(text)
        vector = self._embedder.encode_query(text)
        found = self._collection.query(
            query_embeddings=vector[np.newaxis, :],
            n_results=min(_CANDIDATE_PHRASINGS, self._phrasings),
            include=["distances"],
        )
        best_similarity: dict[int, float] = {}
        distances = (found["distances"] or [[]])[0]
        for phrasing_id, distance in zip(found["ids"][0], distances, strict=True):
            row = self._row_of[phrasing_id.rpartition("#")[0]]
            similarity = 1.0 - float(distance)
            if similarity > best_similarity.get(row, -1.0):
                best_similarity[row] = similarity
        lexical = self._lexical.scores(text)
        for row in np.flatnonzero(lexical > 0).tolist():
            best_similarity.setdefault(row, 0.0)  # lexical-only candidates still count
        candidates = [
            FaqCandidate(row, confidence_of(sim, float(lexical[row]), self.calibration), sim)
            for row, sim in best_similarity.items()
        ]
        candidates.sort(key=lambda c: (-c.confidence, c.row))
        return candidates
