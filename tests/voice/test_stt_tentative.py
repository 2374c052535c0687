"""The speech-to-text service's shortcuts to an early transcript: the encoder window cut to the
utterance (voice/stt_engine.py) and the tentative pass over the tail when a pause begins,
which the end of the stream reuses instead of running whisper again (voice/stt_service.py).
Real speech (espeak-ng) and the real service (the shared fixture: whisper tiny.en)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.voice.speech import silence, spoken
from voice.speech_clients import SpeechToText
from voice.stt_engine import FULL_WINDOW_FRAMES, StretchFinder, encoder_frames

BYTES_PER_S = 32000


@pytest.fixture(scope="module")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("stt-tentative-speech")


def test_the_encoder_window_is_the_audio_and_five_seconds_in_whole_seconds() -> None:
    assert encoder_frames(16000) == 1500  # 1 s of audio: the 15 s minimum
    assert encoder_frames(16000 * 18) == 2400  # 18 s + 5 s, rounded up to a whole second
    assert encoder_frames(16000 * 25) == FULL_WINDOW_FRAMES
    assert encoder_frames(16000 * 40) == FULL_WINDOW_FRAMES


def _feed(finder: StretchFinder, pcm: bytes) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(stretches, tentative tails) found, fed in 1000-byte pieces as a stream arrives."""
    stretches: list[tuple[int, int]] = []
    tentatives: list[tuple[int, int]] = []
    for offset in range(0, len(pcm), 1000):
        stretches += finder.feed(pcm[offset : offset + 1000])
        tentative = finder.take_tentative()
        if tentative is not None:
            tentatives.append(tentative)
    return stretches, tentatives


def test_a_pause_gives_a_tentative_tail_that_is_no_cut(audio_dir: Path) -> None:
    first = spoken("I am looking for wireless earbuds", audio_dir, tail_s=0.0)
    second = spoken("in black if you have them", audio_dir, lead_s=0.0, tail_s=0.0)
    finder = StretchFinder(tentative_pause_s=0.2, min_pause_s=1.0)

    stretches, tentatives = _feed(finder, first + silence(0.3))
    assert stretches == []  # a pause shorter than min_pause_s is no cut
    assert len(tentatives) == 1  # one tentative tail per pause
    start, end = tentatives[0]
    assert start == 0
    # the tail up to 0.2 s (and a window) into the pause after the last speech
    assert 0.2 <= (end - finder.speech_end) / BYTES_PER_S <= 0.2 + 0.07
    assert finder.speech_end > len(first) // 2

    # the shopper goes on: the tail goes on from the same start, the tentative is stale
    stretches, later = _feed(finder, second + silence(1.2))
    assert finder.speech_end > end + len(second) // 2
    assert len(later) == 1 and later[0][0] == 0  # the next pause: the whole tail again
    assert later[0][1] > finder.speech_end
    assert len(stretches) == 1 and stretches[0][0] == 0  # then the cut, over both parts
    assert stretches[0][1] > later[0][1]

    quiet = StretchFinder(tentative_pause_s=0.2)
    assert _feed(quiet, silence(2.0)) == ([], [])


async def test_the_words_arrive_at_the_pause_and_the_end_reuses_them(
    speech_services: tuple[str, str], audio_dir: Path
) -> None:
    stt_uri, _ = speech_services
    speech = spoken("show me rain jackets", audio_dir, tail_s=0.0)
    async with SpeechToText(stt_uri).stream() as utterance:
        started = time.monotonic()
        audio = speech + silence(0.25)  # a pause has begun; the turn is not over
        for index, offset in enumerate(range(0, len(audio), 1280), start=1):
            await utterance.feed(audio[offset : offset + 1280])
            await asyncio.sleep(max(0.0, started + index * 0.04 - time.monotonic()))
        async with asyncio.timeout(20):
            while utterance.heard_until_s < len(speech) / BYTES_PER_S:
                await utterance.feed(silence(0.02))
                await asyncio.sleep(0.02)
        heard = utterance.heard_text
        assert "jackets" in heard.casefold()
        stopped = time.monotonic()
        final = await utterance.finish()
        assert time.monotonic() - stopped < 2.0
    assert final == heard


async def test_before_any_words_the_stream_has_heard_nothing(
    speech_services: tuple[str, str],
) -> None:
    stt_uri, _ = speech_services
    async with SpeechToText(stt_uri).stream() as utterance:
        assert utterance.heard_until_s == 0.0
        assert utterance.heard_text == ""
        await utterance.feed(silence(0.5))
        assert await utterance.finish() == ""
