"""Typed settings of the voice gateway and its speech services, parsed once from the
environment at an entry point (scripts/env.sh exports the defaults)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from settings import PROJECT_ROOT, SettingsError, _float, _int


def _uri(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name) or default
    if not value.startswith(("tcp://", "unix://")):
        raise SettingsError(f"{name} must be a tcp://host:port or unix:///path URI, got {value!r}.")
    return value


@dataclass(frozen=True)
class VoiceSettings:
    var_dir: Path
    # the gateway (browser WebSocket, voice page, HTTP API, Twilio Media Streams)
    host: str = "127.0.0.1"
    port: int = 5058
    # Wyoming speech services: any Wyoming ASR / TTS server can replace the defaults
    stt_uri: str = "tcp://127.0.0.1:10300"
    tts_uri: str = "tcp://127.0.0.1:10200"
    # speech to text (voice/stt_service): a faster-whisper name ("base", "tiny.en", ...) or a
    # folder; "base" and "tiny.en" come from packages, any other name from faster-whisper's hub
    whisper_model: str = "base"
    whisper_compute_type: str = "int8"
    whisper_threads: int = 2
    whisper_beam_size: int = 1
    # the encoder sees the utterance and some padding instead of always 30 s (stt_engine.py)
    whisper_short_window: bool = True
    # decodes after the greedy one when whisper is unsure of streamed speech (5: whisper's own)
    whisper_stream_retries: int = 5
    # the stt service transcribes the tail when a pause this long begins, as if it were the end
    # (0: only at the end); the gateway can then end the turn early (vad_early_ms)
    stt_tentative_pause_s: float = 0.15
    language: str = "en"
    # text to speech: a Piper voice name ("en_US-joe-medium" ships in a package) or an .onnx path
    piper_voice: str = "en_US-joe-medium"
    # the end of a turn: this much silence after speech (Silero VAD)
    vad_silence_ms: int = 600
    # ... or this much, once the speech so far is transcribed and reads as a finished request
    # (0: always vad_silence_ms)
    vad_early_ms: int = 300
    vad_threshold: float = 0.5
    # speech during playback must last this long to interrupt the assistant (barge-in)
    barge_in_ms: int = 250
    # one utterance longer than this is cut and answered ("that was a bit long")
    max_utterance_s: float = 30.0
    # a session that sends no audio for this long is closed
    idle_timeout_s: float = 120.0
    # Rasa's voice channel (connectors/voice_channel.py) and the storefront (for the page)
    rasa_url: str = "http://127.0.0.1:5005"
    storefront_url: str = "http://127.0.0.1:5057"
    # Twilio: the auth token signs webhook requests; empty: the phone line is off (404)
    twilio_auth_token: str = ""
    # the public wss:// base URL Twilio connects to (behind a proxy); empty: from the request
    public_url: str = ""

    @property
    def models_dir(self) -> Path:
        return self.var_dir / "models" / "voice"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> VoiceSettings:
        env = os.environ if env is None else env
        var_dir = Path(env.get("ASSISTANT_VAR_DIR") or PROJECT_ROOT / "var")
        threshold = _float(env, "VOICE_VAD_THRESHOLD", 0.5)
        if not 0.0 < threshold < 1.0:
            raise SettingsError(f"VOICE_VAD_THRESHOLD must be between 0 and 1, got {threshold}.")
        silence = _int(env, "VOICE_VAD_SILENCE_MS", 600)
        if not 100 <= silence <= 5000:
            raise SettingsError(
                f"VOICE_VAD_SILENCE_MS must be between 100 and 5000 ms, got {silence}."
            )
        early = _int(env, "VOICE_VAD_EARLY_MS", 300)
        if early and not 100 <= early <= silence:
            raise SettingsError(
                f"VOICE_VAD_EARLY_MS must be 0 (off) or between 100 ms and VOICE_VAD_SILENCE_MS "
                f"({silence} ms), got {early}."
            )
        short_window = (env.get("WHISPER_SHORT_WINDOW") or "1").strip().lower()
        if short_window not in ("0", "1", "true", "false", "yes", "no", "on", "off"):
            raise SettingsError(f"WHISPER_SHORT_WINDOW must be 1 or 0, got {short_window!r}.")
        retries = _int(env, "WHISPER_STREAM_RETRIES", 5)
        if not 0 <= retries <= 5:
            raise SettingsError(f"WHISPER_STREAM_RETRIES must be between 0 and 5, got {retries}.")
        return cls(
            var_dir=var_dir,
            host=env.get("VOICE_HOST") or "127.0.0.1",
            port=_int(env, "VOICE_PORT", 5058),
            stt_uri=_uri(env, "VOICE_STT_URI", "tcp://127.0.0.1:10300"),
            tts_uri=_uri(env, "VOICE_TTS_URI", "tcp://127.0.0.1:10200"),
            whisper_model=env.get("WHISPER_MODEL") or "base",
            whisper_compute_type=env.get("WHISPER_COMPUTE_TYPE") or "int8",
            whisper_threads=_int(env, "WHISPER_THREADS", 2),
            whisper_beam_size=_int(env, "WHISPER_BEAM_SIZE", 1),
            whisper_short_window=short_window in ("1", "true", "yes", "on"),
            whisper_stream_retries=retries,
            stt_tentative_pause_s=_int(env, "VOICE_STT_TENTATIVE_PAUSE_MS", 150) / 1000,
            language=env.get("VOICE_LANGUAGE") or "en",
            piper_voice=env.get("PIPER_VOICE") or "en_US-joe-medium",
            vad_silence_ms=silence,
            vad_early_ms=early,
            vad_threshold=threshold,
            barge_in_ms=_int(env, "VOICE_BARGE_IN_MS", 250),
            max_utterance_s=_float(env, "VOICE_MAX_UTTERANCE_S", 30.0),
            idle_timeout_s=_float(env, "VOICE_IDLE_TIMEOUT_S", 120.0),
            rasa_url=(env.get("RASA_URL") or "http://127.0.0.1:5005").rstrip("/"),
            storefront_url=(env.get("STOREFRONT_URL") or "http://127.0.0.1:5057").rstrip("/"),
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or "",
            public_url=(env.get("VOICE_PUBLIC_URL") or "").rstrip("/"),
        )
