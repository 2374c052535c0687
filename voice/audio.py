"""PCM16 mono helpers for the gateway's edges: resampling, WAV files in and out.

Resampling is a polyphase windowed-sinc filter in numpy (no scipy, no audioop). Converting
from ``a`` Hz to ``b`` Hz with ``b/a = L/M`` (reduced) is, in principle, inserting L-1 zeros
between samples, low-pass filtering at the lower of the two Nyquist frequencies, and keeping
every M-th sample; the polyphase form computes only the kept samples, each from one of the
filter's L phases. The filter is a Kaiser-windowed sinc (beta 8.6: about 85 dB stop-band,
16 zero crossings each side) whose cut-off sits at 90% of the lower Nyquist frequency, so
22,050 or 16,000 Hz speech going to the telephone's 8,000 Hz loses what it cannot carry
(above 3.6-4 kHz) instead of folding it back into the band as aliasing. ``Resampler`` keeps
state between chunks, so a stream resampled 20 ms at a time has no clicks at the chunk
boundaries.

WAV parsing is written out rather than done with ``wave`` so that each way a file can be
unusable gets its own message for the person who sent it (``AudioError``).
"""

from __future__ import annotations

import functools
import io
import math
import struct
import wave
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

MIN_RATE = 8000
MAX_RATE = 48000

_ROLLOFF = 0.9  # the cut-off, as a fraction of the lower Nyquist frequency
_ZERO_CROSSINGS = 16  # the sinc's half-length, in periods of the lower rate
_KAISER_BETA = 8.6
_CHUNK = 8192  # outputs computed per numpy step (bounds the memory of the index matrix)

_WAVE_FORMAT_PCM = 0x0001
_WAVE_FORMAT_EXTENSIBLE = 0xFFFE
_UNKNOWN_SIZE = 0xFFFFFFFF  # what streaming writers put in the size fields


class AudioError(Exception):
    """Audio we cannot use; ``message`` is written for the person who sent it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AudioTooLong(AudioError):
    """The audio is longer than the caller allows (an HTTP API answers 413)."""

    def __init__(self, message: str, *, seconds: float, max_seconds: float) -> None:
        super().__init__(message)
        self.seconds = seconds
        self.max_seconds = max_seconds


@dataclass(frozen=True)
class PcmAudio:
    """Mono 16-bit little-endian PCM and its sample rate."""

    pcm16: bytes
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.pcm16) / 2 / self.rate


# --- resampling ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Filter:
    up: int  # L
    down: int  # M
    center: int  # the prototype's middle tap: the delay that makes the filter zero-phase
    phases: npt.NDArray[np.float64]  # (L, taps): phase r holds taps r, r+L, r+2L, ...

    @property
    def taps(self) -> int:
        return int(self.phases.shape[1])


@functools.lru_cache(maxsize=16)
def _design(from_rate: int, to_rate: int) -> _Filter:
    gcd = math.gcd(from_rate, to_rate)
    up, down = to_rate // gcd, from_rate // gcd
    # the prototype runs at the upsampled rate (from_rate * up); frequencies relative to it
    cutoff = _ROLLOFF * 0.5 / max(up, down)
    half = math.ceil(_ZERO_CROSSINGS * max(up, down) / _ROLLOFF)
    n = np.arange(-half, half + 1, dtype=np.float64)
    prototype = 2 * cutoff * np.sinc(2 * cutoff * n) * np.kaiser(2 * half + 1, _KAISER_BETA)
    prototype *= up / prototype.sum()  # unity gain after the zeros inserted by upsampling
    taps = math.ceil(len(prototype) / up)
    padded = np.zeros(taps * up)
    padded[: len(prototype)] = prototype
    return _Filter(up=up, down=down, center=half, phases=padded.reshape(taps, up).T.copy())


class Resampler:
    """Streams PCM16 mono from one rate to another: ``process`` each chunk as it comes,
    ``flush`` at the end for the last few milliseconds (the filter's look-ahead)."""

    def __init__(self, from_rate: int, to_rate: int) -> None:
        for rate in (from_rate, to_rate):
            if not MIN_RATE // 2 <= rate <= MAX_RATE * 4:
                raise ValueError(f"cannot resample at {rate} Hz")
        self.from_rate = from_rate
        self.to_rate = to_rate
        self._same = from_rate == to_rate
        self._filter = _design(from_rate, to_rate) if not self._same else None
        taps = self._filter.taps if self._filter else 0
        # input samples from absolute index ``_start`` on; zeros before the first sample
        self._buffer = np.zeros(taps, dtype=np.float64)
        self._start = -taps
        self._received = 0  # input samples so far
        self._produced = 0  # output samples so far

    def process(self, pcm16: bytes) -> bytes:
        if len(pcm16) % 2:
            raise ValueError(f"16-bit PCM has an even number of bytes, got {len(pcm16)}")
        if self._filter is None:
            return pcm16
        samples = np.frombuffer(pcm16, dtype="<i2").astype(np.float64)
        self._buffer = np.concatenate([self._buffer, samples])
        self._received += len(samples)
        f = self._filter
        # output n needs inputs up to (n*M + center) // L: ready while that is < received
        ready = max(self._produced, -(-(self._received * f.up - f.center) // f.down))
        out = self._compute(self._produced, ready)
        self._produced = ready
        self._drop_consumed()
        return out

    def flush(self) -> bytes:
        """The outputs still owed (their inputs past the end count as silence); the stream
        then has ceil(inputs * to_rate / from_rate) samples in all."""
        if self._filter is None:
            return b""
        f = self._filter
        total = -(-self._received * f.up // f.down)
        out = self._compute(self._produced, total)
        self._produced = max(self._produced, total)
        self._drop_consumed()
        return out

    def _compute(self, first: int, stop: int) -> bytes:
        f = self._filter
        assert f is not None
        if stop <= first:
            return b""
        # newest input index of each output; its window reaches back taps-1 samples
        last_needed = ((stop - 1) * f.down + f.center) // f.up
        shortfall = last_needed - (self._start + len(self._buffer) - 1)
        buffer = self._buffer
        if shortfall > 0:  # only when flushing: silence after the end
            buffer = np.concatenate([buffer, np.zeros(shortfall)])
        back = np.arange(f.taps)
        pieces = []
        for chunk in range(first, stop, _CHUNK):
            n = np.arange(chunk, min(chunk + _CHUNK, stop), dtype=np.int64)
            q = n * f.down + f.center
            newest = q // f.up - self._start
            phase = q % f.up
            windows = buffer[newest[:, None] - back[None, :]]
            pieces.append(np.einsum("ij,ij->i", windows, f.phases[phase]))
        out = np.concatenate(pieces)
        return np.clip(np.rint(out), -32768, 32767).astype("<i2").tobytes()

    def _drop_consumed(self) -> None:
        f = self._filter
        assert f is not None
        oldest_needed = (self._produced * f.down + f.center) // f.up - f.taps + 1
        drop = oldest_needed - self._start
        if drop > 0:
            self._buffer = self._buffer[drop:]
            self._start += drop


def resample(pcm16: bytes, from_rate: int, to_rate: int) -> bytes:
    """PCM16 mono at ``from_rate`` -> the same audio at ``to_rate`` (the same duration)."""
    resampler = Resampler(from_rate, to_rate)
    return resampler.process(pcm16) + resampler.flush()


# --- channels ------------------------------------------------------------------------------


def to_mono(pcm16: bytes, channels: int) -> bytes:
    """Interleaved PCM16 frames of ``channels`` channels -> their average, mono."""
    if channels == 1:
        return pcm16
    samples = np.frombuffer(pcm16, dtype="<i2")
    frames = samples[: len(samples) - len(samples) % channels].reshape(-1, channels)
    return np.rint(frames.mean(axis=1)).astype("<i2").tobytes()


# --- WAV -----------------------------------------------------------------------------------


def read_wav(
    data: bytes,
    *,
    max_seconds: float | None = None,
    min_rate: int = MIN_RATE,
    max_rate: int = MAX_RATE,
) -> PcmAudio:
    """The audio of a WAV file as 16-bit PCM mono (channels mixed down).

    Raises ``AudioError`` with a message for the sender when the bytes are not a RIFF/WAVE
    file, not 16-bit PCM, cut short, empty, at a rate outside ``min_rate..max_rate``, or
    (``AudioTooLong``) longer than ``max_seconds``."""
    if not data:
        raise AudioError("The request has no audio: send a WAV file as the request body.")
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioError(
            "This is not a WAV file (no RIFF/WAVE header): send 16-bit PCM WAV audio, "
            "for example `sox input.flac -b 16 output.wav`."
        )
    fmt: tuple[int, int, int, int] | None = None  # format, channels, rate, bits
    position = 12
    while position + 8 <= len(data):
        chunk_id = data[position : position + 4]
        (size,) = struct.unpack_from("<I", data, position + 4)
        body_start = position + 8
        if chunk_id == b"fmt ":
            fmt = _read_fmt(data[body_start : body_start + size])
        elif chunk_id == b"data":
            if fmt is None:
                raise AudioError("This WAV file has its audio before its format (no fmt chunk).")
            available = len(data) - body_start
            if size == _UNKNOWN_SIZE:  # written while streaming: the audio runs to the end
                size = available
            if size > available:
                raise AudioError(
                    f"This WAV file is truncated: its header announces {size} bytes of audio "
                    f"but only {available} arrived."
                )
            return _pcm_of(
                data[body_start : body_start + size], fmt, max_seconds, min_rate, max_rate
            )
        position = body_start + size + (size & 1)  # chunks are padded to even sizes
    if fmt is None:
        raise AudioError("This WAV file is truncated: it ends before its format (fmt chunk).")
    raise AudioError("This WAV file is truncated: it ends before its audio (data chunk).")


def _read_fmt(body: bytes) -> tuple[int, int, int, int]:
    if len(body) < 16:
        raise AudioError("This WAV file is truncated: its format (fmt chunk) is cut short.")
    fmt, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", body)
    if fmt == _WAVE_FORMAT_EXTENSIBLE and len(body) >= 26:
        (fmt,) = struct.unpack_from("<H", body, 24)  # the sub-format GUID's first two bytes
    return fmt, channels, rate, bits


def _pcm_of(
    frames: bytes,
    fmt: tuple[int, int, int, int],
    max_seconds: float | None,
    min_rate: int,
    max_rate: int,
) -> PcmAudio:
    code, channels, rate, bits = fmt
    if code != _WAVE_FORMAT_PCM or bits != 16:
        kind = "PCM" if code == _WAVE_FORMAT_PCM else f"format {code:#06x}"
        raise AudioError(
            f"This WAV file is {bits}-bit {kind}; send 16-bit PCM, for example "
            "`sox input.wav -b 16 -e signed-integer output.wav`."
        )
    if not 1 <= channels <= 8:
        raise AudioError(f"This WAV file says it has {channels} channels; send mono or stereo.")
    if not min_rate <= rate <= max_rate:
        raise AudioError(
            f"This WAV file's sample rate is {rate} Hz; send audio between {min_rate} and "
            f"{max_rate} Hz (16000 Hz is best for speech)."
        )
    frame_size = 2 * channels
    if len(frames) % frame_size:
        raise AudioError(
            f"This WAV file is truncated: its audio ends in the middle of a sample "
            f"({len(frames)} bytes, {channels} channel(s) of 16 bits)."
        )
    if not frames:
        raise AudioError("This WAV file has no audio in it (0 samples).")
    seconds = len(frames) / frame_size / rate
    if max_seconds is not None and seconds > max_seconds:
        raise AudioTooLong(
            f"This recording lasts {seconds:.1f} s; the limit is {max_seconds:g} s. "
            "Send a shorter one.",
            seconds=seconds,
            max_seconds=max_seconds,
        )
    return PcmAudio(pcm16=to_mono(frames, channels), rate=rate)


def wav_bytes(pcm16: bytes, rate: int) -> bytes:
    """A WAV file (mono, 16-bit PCM) of ``pcm16`` at ``rate`` Hz."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm16)
    return buffer.getvalue()
