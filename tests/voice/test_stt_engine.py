"""How the recogniser decodes streamed speech (voice/stt_engine.py): whisper's temperature
fallback at most ``stream_retries`` times and a token budget per decode, where a whole
recording keeps whisper's full fallback. Real whisper tiny.en, real speech (espeak-ng)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from settings import SettingsError
from tests.voice.speech import spoken
from voice.models import resolve_whisper
from voice.settings import VoiceSettings
from voice.stt_engine import WhisperEngine, token_budget

# espeak-ng's "check out" without the catalog prompt: tiny.en's greedy decode of it is unsure
# (average log-probability below whisper's -1.0), so whisper's fallback decodes it again
UNSURE = "check out"


class _CountingDecoder:
    """The engine's CTranslate2 model, counting its decodes (one per temperature tried)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.decodes = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def generate(self, *args: Any, **kwargs: Any) -> Any:
        self.decodes += 1
        return self.inner.generate(*args, **kwargs)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WhisperEngine]:
    models = tmp_path_factory.mktemp("stt-engine-models")
    yield WhisperEngine(resolve_whisper("tiny.en", models), threads=1, stream_retries=1)


@pytest.fixture(scope="module")
def unsure_speech(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return spoken(UNSURE, tmp_path_factory.mktemp("stt-engine-speech"), tail_s=0.3)


def _decodes(engine: WhisperEngine, pcm: bytes, *, streamed: bool) -> int:
    counter = _CountingDecoder(engine._model.model)
    engine._model.model = counter
    try:
        engine.transcribe_blocking(pcm, streamed=streamed)
    finally:
        engine._model.model = counter.inner
    return counter.decodes


def test_a_whole_recording_whisper_is_unsure_of_is_decoded_again(
    engine: WhisperEngine, unsure_speech: bytes
) -> None:
    assert _decodes(engine, unsure_speech, streamed=False) > 1


def test_the_same_speech_streamed_is_decoded_again_only_as_often_as_set(
    engine: WhisperEngine, unsure_speech: bytes
) -> None:
    assert _decodes(engine, unsure_speech, streamed=True) == 2


def test_with_no_retries_streamed_speech_is_decoded_once(
    tmp_path_factory: pytest.TempPathFactory, unsure_speech: bytes
) -> None:
    models = tmp_path_factory.mktemp("stt-engine-no-retries")
    engine = WhisperEngine(resolve_whisper("tiny.en", models), threads=1, stream_retries=0)
    assert _decodes(engine, unsure_speech, streamed=True) == 1


def test_the_token_budget_grows_with_the_audio_up_to_a_cap() -> None:
    assert token_budget(16000) == 28  # 1 s: 16 + 12
    assert token_budget(16000 * 5) == 76  # a spelled e-mail fits many times over
    assert token_budget(16000 * 30) == 200  # with the longest prompt, within whisper's 448


def test_the_stream_retries_setting() -> None:
    assert VoiceSettings.from_env({}).whisper_stream_retries == 5  # whisper's own
    assert VoiceSettings.from_env({"WHISPER_STREAM_RETRIES": "1"}).whisper_stream_retries == 1
    with pytest.raises(SettingsError, match="WHISPER_STREAM_RETRIES must be between 0 and 5"):
        VoiceSettings.from_env({"WHISPER_STREAM_RETRIES": "6"})
