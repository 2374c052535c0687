"""G.711 mu-law, the telephone network's 8-bit audio (Twilio Media Streams speak it both ways).

The standard's companding (ITU-T G.711, as in Sun's reference g711.c that most telephony code
copies): a 16-bit sample keeps its top 14 bits, gets a bias of 33 (0x84 >> 2), and is coded as
a sign bit, a 3-bit segment (the position of the highest set bit) and a 4-bit mantissa, all
bits inverted so that silence is 0xFF. Decoding reverses it to the middle of the step.

Both directions are table look-ups in numpy: the 256 decoded values and the 65,536 codes of
every 16-bit sample are computed once at import (64 KiB). ``audioop`` did this before Python
3.13 removed it; we do not use it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

SILENCE = 0xFF  # the code of a zero sample
_BIAS = 0x84
_CLIP = 8159  # 14-bit magnitudes are clipped here; with the bias it overflows to segment 8


def _decode_table() -> npt.NDArray[np.int16]:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    mantissa = codes & 0x0F
    segment = (codes & 0x70) >> 4
    magnitude = ((mantissa << 3) + _BIAS) << segment
    linear = np.where(codes & 0x80, _BIAS - magnitude, magnitude - _BIAS)
    return linear.astype(np.int16)


def _encode_table() -> npt.NDArray[np.uint8]:
    # index: a 16-bit sample's bits read as unsigned (so ``samples.view(np.uint16)`` indexes it)
    samples = np.arange(65536, dtype=np.int32)
    samples = np.where(samples >= 32768, samples - 65536, samples) >> 2  # 14 bits, floor
    negative = samples < 0
    magnitude = np.minimum(np.where(negative, -samples, samples), _CLIP) + (_BIAS >> 2)
    # segment: 0 for magnitudes up to 0x3F, 1 up to 0x7F, ... 7 up to 0x1FFF
    segment = np.searchsorted(
        np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF]), magnitude
    )
    code = (segment << 4) | ((magnitude >> (segment + 1)) & 0x0F)
    code = np.where(segment >= 8, 0x7F, code)  # past the top segment: the loudest code
    mask = np.where(negative, 0x7F, 0xFF)
    return (code ^ mask).astype(np.uint8)


_DECODE = _decode_table()
_ENCODE = _encode_table()


def encode(pcm16: bytes) -> bytes:
    """16-bit little-endian signed PCM -> mu-law, one byte per sample."""
    if len(pcm16) % 2:
        raise ValueError(f"16-bit PCM has an even number of bytes, got {len(pcm16)}")
    samples = np.frombuffer(pcm16, dtype="<u2")
    return _ENCODE[samples].tobytes()


def decode(ulaw: bytes) -> bytes:
    """mu-law -> 16-bit little-endian signed PCM (two bytes per input byte)."""
    codes = np.frombuffer(ulaw, dtype=np.uint8)
    return _DECODE[codes].astype("<i2").tobytes()


def encode_samples(samples: npt.NDArray[np.int16]) -> npt.NDArray[np.uint8]:
    """The codes of an int16 array (any shape)."""
    return _ENCODE[samples.astype(np.int16).view(np.uint16)]


def decode_samples(codes: npt.NDArray[np.uint8]) -> npt.NDArray[np.int16]:
    """The int16 samples of an array of codes (any shape)."""
    return _DECODE[codes]
