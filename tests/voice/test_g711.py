"""G.711 mu-law (voice/g711.py) against values of the standard and its error bounds."""

from __future__ import annotations

import numpy as np
import pytest

from voice import g711


def _pcm(*samples: int) -> bytes:
    return np.array(samples, dtype="<i2").tobytes()


def _samples(pcm: bytes) -> list[int]:
    return [int(x) for x in np.frombuffer(pcm, dtype="<i2")]


def test_silence_codes_as_0xff_and_decodes_to_zero():
    assert g711.encode(_pcm(0)) == b"\xff"
    assert _samples(g711.decode(b"\xff")) == [0]
    assert _samples(g711.decode(b"\x7f")) == [0]  # the "negative zero" code


@pytest.mark.parametrize(
    ("code", "linear"),
    [(0x80, 32124), (0x00, -32124), (0xFE, 8), (0x7E, -8), (0xF0, 120), (0xEF, 132), (0x8F, 16764)],
)
def test_decoding_follows_the_standard_table(code: int, linear: int) -> None:
    # values of ITU-T G.711's mu-law table in 16-bit scale (Sun's reference g711.c)
    assert _samples(g711.decode(bytes([code]))) == [linear]


@pytest.mark.parametrize(
    ("linear", "code"),
    [(32767, 0x80), (-32768, 0x00), (32124, 0x80), (8, 0xFE), (-8, 0x7E), (132, 0xEF), (-1, 0x7E)],
)
def test_encoding_follows_the_standard_table(linear: int, code: int) -> None:
    assert g711.encode(_pcm(linear)) == bytes([code])


def test_every_code_survives_a_round_trip():
    codes = bytes(range(256))
    decoded = g711.decode(codes)
    reencoded = g711.encode(decoded)
    # the two zeros (0xFF and 0x7F) both decode to 0, which codes as 0xFF
    assert reencoded == codes.replace(b"\x7f", b"\xff")


def test_round_trip_error_stays_within_half_a_step():
    samples = np.arange(-32124, 32125, dtype=np.int16)
    back = g711.decode_samples(g711.encode_samples(samples)).astype(np.int64)
    error = np.abs(back - samples)
    # steps double with each segment: 8, 16, ... 1024 in 16-bit scale; half a step of the
    # sample's segment is at most (|x| + 132) / 32 + 4
    assert np.all(error <= (np.abs(samples.astype(np.int64)) + 132) / 32 + 4)
    assert error[np.abs(samples) < 100].max() <= 8


def test_decoding_is_monotonic_over_the_codes_of_one_sign():
    positive = g711.decode_samples(np.arange(0xFF, 0x7F, -1, dtype=np.uint8))
    assert np.all(np.diff(positive.astype(np.int64)) > 0)


def test_a_tone_keeps_its_level_through_mu_law():
    t = np.arange(8000) / 8000
    tone = (12000 * np.sin(2 * np.pi * 440 * t)).astype("<i2")
    back = np.frombuffer(g711.decode(g711.encode(tone.tobytes())), dtype="<i2")
    signal = np.sqrt(np.mean(tone.astype(float) ** 2))
    noise = np.sqrt(np.mean((back.astype(float) - tone) ** 2))
    assert 20 * np.log10(signal / noise) > 33  # G.711 gives about 38 dB SNR on speech levels


def test_odd_pcm_is_refused():
    with pytest.raises(ValueError, match="even number of bytes"):
        g711.encode(b"\x00\x00\x00")
