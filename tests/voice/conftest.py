"""Fixtures shared by the voice tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.voice.services import running_speech_services


@pytest.fixture(scope="session")
def speech_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(stt_uri, tts_uri) of one whisper tiny.en and one Piper service for the whole run."""
    yield from running_speech_services(tmp_path_factory)
