"""Resampling and WAV helpers (voice/audio.py) on real signals: tones made here and espeak-ng
speech (tests/voice/speech.py)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from tests.voice.speech import spoken_wav
from voice.audio import (
    AudioError,
    AudioTooLong,
    Resampler,
    read_wav,
    resample,
    to_mono,
    wav_bytes,
)


def _tone(frequency: float, rate: int, seconds: float = 1.0, amplitude: float = 10000) -> bytes:
    t = np.arange(int(rate * seconds)) / rate
    return (amplitude * np.sin(2 * np.pi * frequency * t)).astype("<i2").tobytes()


def _samples(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64)


def _peak_hz(pcm: bytes, rate: int) -> float:
    x = _samples(pcm)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spectrum) * rate / len(x))


def _rms(pcm: bytes) -> float:
    x = _samples(pcm)
    middle = x[len(x) // 10 : -len(x) // 10]  # away from the filter's edges
    return float(np.sqrt(np.mean(middle**2)))


@pytest.mark.parametrize(
    ("from_rate", "to_rate"),
    [(22050, 8000), (16000, 8000), (8000, 16000), (48000, 16000), (44100, 16000), (22050, 16000)],
)
def test_a_1_khz_tone_keeps_its_frequency_level_and_duration(from_rate: int, to_rate: int) -> None:
    tone = _tone(1000, from_rate)
    out = resample(tone, from_rate, to_rate)
    assert len(out) // 2 == to_rate  # one second in, one second out
    assert _peak_hz(out, to_rate) == pytest.approx(1000, abs=2)
    assert _rms(out) == pytest.approx(_rms(tone), rel=0.01)


@pytest.mark.parametrize("from_rate", [22050, 16000])
def test_a_6_khz_tone_does_not_fold_back_into_the_telephone_band(from_rate: int) -> None:
    # 6 kHz is above 8 kHz audio's 4 kHz Nyquist limit; without the low-pass filter it would
    # alias to 2 kHz at full level
    out = resample(_tone(6000, from_rate), from_rate, 8000)
    assert _rms(out) < 0.001 * _rms(_tone(6000, from_rate))  # more than 60 dB down


def test_speech_resampled_to_8_khz_and_back_stays_close_below_3_khz(tmp_path: Path) -> None:
    speech = read_wav(spoken_wav("where is my order", tmp_path).read_bytes()).pcm16
    back = resample(resample(speech, 16000, 8000), 8000, 16000)
    samples = len(speech) // 2
    assert len(back) // 2 == 2 * -(-samples // 2)  # at 8 kHz, half of them rounded up
    back = back[: len(speech)]
    low = np.fft.rfft(_samples(speech))
    low_back = np.fft.rfft(_samples(back))
    band = slice(int(300 * len(low) / 8000), int(3000 * len(low) / 8000))
    error = np.linalg.norm(low[band] - low_back[band]) / np.linalg.norm(low[band])
    assert error < 0.05


def test_streaming_in_20_ms_chunks_gives_the_same_samples_as_one_call():
    tone = _tone(700, 8000, seconds=2.0)
    stream = Resampler(8000, 16000)
    chunks = [stream.process(tone[i : i + 320]) for i in range(0, len(tone), 320)]
    assert b"".join(chunks) + stream.flush() == resample(tone, 8000, 16000)


def test_streaming_in_odd_sized_chunks_gives_the_same_samples_as_one_call():
    tone = _tone(440, 22050, seconds=1.5)
    stream = Resampler(22050, 8000)
    sizes = [2, 998, 4410, 6, 20000, 37002]
    pieces, offset = [], 0
    for size in sizes:
        pieces.append(stream.process(tone[offset : offset + size]))
        offset += size
    pieces.append(stream.process(tone[offset:]))
    assert b"".join(pieces) + stream.flush() == resample(tone, 22050, 8000)


def test_same_rate_is_a_copy():
    tone = _tone(1000, 16000, seconds=0.1)
    assert resample(tone, 16000, 16000) == tone


def test_stereo_mixes_down_to_the_average_of_the_channels():
    frames = np.array([[1000, 3000], [-2000, 2000], [100, 101]], dtype="<i2")
    assert _samples(to_mono(frames.tobytes(), 2)).tolist() == [2000, 0, 100]


# --- WAV files --------------------------------------------------------------------------------


def test_wav_bytes_and_read_wav_round_trip():
    tone = _tone(1000, 22050, seconds=0.5)
    audio = read_wav(wav_bytes(tone, 22050))
    assert audio.rate == 22050
    assert audio.pcm16 == tone
    assert audio.seconds == pytest.approx(0.5)


def test_a_wav_made_by_sox_reads(tmp_path: Path) -> None:
    audio = read_wav(spoken_wav("add two", tmp_path, rate=22050).read_bytes())
    assert audio.rate == 22050
    assert 1.0 < audio.seconds < 3.0


def _wav(
    pcm: bytes,
    *,
    rate: int = 16000,
    channels: int = 1,
    bits: int = 16,
    code: int = 1,
    data_size: int | None = None,
    extra: bytes = b"",
    fmt_extension: bytes = b"",
) -> bytes:
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", code, channels, rate, rate * block, block, bits) + fmt_extension
    size = len(pcm) if data_size is None else data_size
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + extra
    body += b"data" + struct.pack("<I", size) + pcm
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_a_stereo_wav_is_mixed_down():
    left = np.full(1600, 4000, dtype="<i2")
    right = np.full(1600, -2000, dtype="<i2")
    stereo = np.stack([left, right], axis=1).tobytes()
    audio = read_wav(_wav(stereo, channels=2))
    assert audio.rate == 16000
    assert set(_samples(audio.pcm16).tolist()) == {1000.0}


def test_chunks_before_the_audio_are_skipped():
    # a LIST chunk of odd size (padded to even) between fmt and data, as editors write
    info = b"LIST" + struct.pack("<I", 5) + b"INFOx" + b"\x00"
    audio = read_wav(_wav(b"\x01\x00\x02\x00", extra=info))
    assert audio.pcm16 == b"\x01\x00\x02\x00"


def test_an_extensible_format_wav_of_16_bit_pcm_reads():
    # WAVE_FORMAT_EXTENSIBLE, as ffmpeg writes some files: the sub-format GUID says PCM
    pcm_guid = bytes.fromhex("0100000000001000800000aa00389b71")
    extension = struct.pack("<HHI", 22, 16, 0x4) + pcm_guid
    audio = read_wav(_wav(b"\x01\x00" * 800, code=0xFFFE, fmt_extension=extension))
    assert audio.rate == 16000
    assert len(audio.pcm16) == 1600


def test_a_streamed_wav_with_an_unknown_data_size_reads_to_the_end():
    audio = read_wav(_wav(b"\x01\x00" * 800, data_size=0xFFFFFFFF))
    assert len(audio.pcm16) == 1600


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "no audio"),
        (b"ID3\x04\x00\x00\x00\x00\x00" + b"\x00" * 100, "not a WAV file"),
        (b"OggS" + b"\x00" * 100, "not a WAV file"),
        (_wav(b"\x00" * 100, bits=8), "8-bit PCM; send 16-bit PCM"),
        (_wav(b"\x00" * 400, bits=32, code=3), "32-bit format 0x0003; send 16-bit PCM"),
        (_wav(b"\x00" * 100, rate=4000), "sample rate is 4000 Hz"),
        (_wav(b"\x00" * 100, rate=96000), "sample rate is 96000 Hz"),
        (_wav(b""), "no audio in it"),
        (_wav(b"\x00" * 100, data_size=32000), "truncated: its header announces 32000 bytes"),
        (_wav(b"\x00" * 101), "truncated: its audio ends in the middle of a sample"),
        (_wav(b"\x00" * 100)[:30], "truncated: its format"),
        (_wav(b"\x00" * 100)[:36], "ends before its audio"),
        (b"RIFF\x00\x00\x00\x00WAVE", "ends before its format"),
    ],
)
def test_unusable_wav_files_are_refused_with_a_message(data: bytes, message: str) -> None:
    with pytest.raises(AudioError) as refused:
        read_wav(data)
    assert message in refused.value.message


def test_too_long_a_recording_is_refused_with_its_duration():
    with pytest.raises(AudioTooLong) as refused:
        read_wav(_wav(b"\x00\x00" * 8000 * 61, rate=8000), max_seconds=60)
    assert "lasts 61.0 s; the limit is 60 s" in refused.value.message
    assert refused.value.seconds == pytest.approx(61.0)
