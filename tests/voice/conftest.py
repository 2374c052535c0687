"""Fixtures shared by the voice tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.voice.services import SpeechUris, running_speech_services


@pytest.fixture(scope="session")
def speech_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SpeechUris]:
    """(stt, tts) URIs of one whisper tiny.en and one Piper service for the whole run,
    shared by every module of tests/voice that does not need services of its own."""
    yield from running_speech_services(tmp_path_factory)
