"""The streaming VAD on real speech (espeak-ng, tests/voice/speech.py) and real noise (sox)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.voice.speech import RATE, _tool, pcm_of, silence, spoken
from voice.vad import WINDOW_BYTES, StreamingVad, VadEvent

SENTENCE = "do you have wireless earbuds under fifty euros"
TOLERANCE_S = 0.15


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("vad-speech")


def voiced_span(pcm: bytes) -> tuple[float, float]:
    """Where the clean recording has sound: the first and last sample above -36 dBFS."""
    samples = np.abs(np.frombuffer(pcm, dtype="<i2").astype(np.int32))
    loud = np.nonzero(samples > 500)[0]
    return loud[0] / RATE, loud[-1] / RATE


def feed_in_chunks(vad: StreamingVad, pcm: bytes, chunk: int) -> list[tuple[VadEvent, float]]:
    """Every event with the stream position at which the VAD reported it."""
    out = []
    for offset in range(0, len(pcm), chunk):
        for event in vad.feed(pcm[offset : offset + chunk]):
            out.append((event, vad.position_s))
    return out


def test_speech_start_and_end_of_turn_are_found_where_the_speech_is(folder: Path) -> None:
    pcm = spoken(SENTENCE, folder, lead_s=0.8, tail_s=1.5)
    onset, offset = voiced_span(pcm)
    vad = StreamingVad(silence_ms=600)
    events = feed_in_chunks(vad, pcm, chunk=1554)  # 777 samples: not a multiple of the window
    marks = [(e.kind, e.at_s, reported) for e, reported in events if e.kind != "audio"]
    assert [kind for kind, _, _ in marks] == ["start", "end"]
    (_, start_at, start_reported), (_, end_at, end_reported) = marks
    assert abs(start_at - onset) <= TOLERANCE_S
    assert start_reported - onset <= 0.25  # speech is announced after about 130 ms of it
    assert abs(end_at - offset) <= TOLERANCE_S  # the last voiced sample: the end of speech
    assert abs(end_reported - (end_at + 0.6)) <= 0.07  # after the configured silence
    assert vad.last_voiced_s == end_at


def test_the_utterance_audio_starts_with_a_pre_roll_before_the_first_syllable(
    folder: Path,
) -> None:
    pcm = spoken(SENTENCE, folder, lead_s=0.8, tail_s=1.5)
    onset, _ = voiced_span(pcm)
    vad = StreamingVad()
    events = feed_in_chunks(vad, pcm, chunk=WINDOW_BYTES)
    start, reported = next((e, at) for e, at in events if e.kind == "start")
    begins_at = reported - len(start.audio) / 2 / RATE
    assert begins_at <= onset - 0.28
    utterance = start.audio + b"".join(e.audio for e, _ in events if e.kind == "audio")
    assert pcm.find(utterance) == round(begins_at * RATE) * 2  # contiguous, nothing lost


def test_a_longer_pause_splits_two_turns_and_a_short_one_does_not(folder: Path) -> None:
    first = spoken("the black ones", folder, lead_s=0.3, tail_s=0.0)
    second = spoken("add two", folder, lead_s=0.0, tail_s=1.0)
    split = StreamingVad(silence_ms=600).feed(first + silence(1.2) + second)
    assert [e.kind for e in split if e.kind != "audio"] == ["start", "end", "start", "end"]
    joined = StreamingVad(silence_ms=600).feed(first + silence(0.3) + second)
    assert [e.kind for e in joined if e.kind != "audio"] == ["start", "end"]


def test_silence_never_starts_speech() -> None:
    vad = StreamingVad()
    assert vad.feed(silence(5.0)) == []
    assert not vad.in_speech


@pytest.mark.parametrize("volume", [0.05, 0.2])
def test_pink_noise_does_not_start_speech(folder: Path, volume: float) -> None:
    noise = folder / f"pink-{volume}.wav"
    subprocess.run(
        [_tool("sox"), "-n", "-r", str(RATE), "-c", "1", "-b", "16", str(noise),
         "synth", "5", "pinknoise", "vol", str(volume)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    assert StreamingVad().feed(pcm_of(noise)) == []


def test_speech_in_noise_is_still_found(folder: Path) -> None:
    pcm = spoken(SENTENCE, folder, lead_s=0.8, tail_s=1.5, noise=0.1)
    onset, offset = voiced_span(spoken(SENTENCE, folder, lead_s=0.8, tail_s=1.5))
    marks = [e for e in StreamingVad().feed(pcm) if e.kind != "audio"]
    assert [e.kind for e in marks] == ["start", "end"]
    assert abs(marks[0].at_s - onset) <= TOLERANCE_S
    assert abs(marks[1].at_s - offset) <= TOLERANCE_S


def test_reset_forgets_speech_in_progress(folder: Path) -> None:
    pcm = spoken(SENTENCE, folder, lead_s=0.3, tail_s=0.0)
    vad = StreamingVad()
    vad.feed(pcm[: len(pcm) // 2])
    assert vad.in_speech
    vad.reset()
    assert not vad.in_speech
    assert vad.feed(silence(2.0)) == []  # no end of a turn that was dropped


def test_audio_of_odd_length_is_refused() -> None:
    with pytest.raises(ValueError, match="even number of bytes"):
        StreamingVad().feed(b"\x00\x01\x02")
