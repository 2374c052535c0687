"""Typed settings for every Python 3.11 service of the assistant.

Parsed once, at an entry point, from the environment (the run script exports the
defaults below); everything else receives the ``Settings`` object. No module reads the
environment itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names the variable."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}.") from None


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}.") from None


@dataclass(frozen=True)
class Settings:
    var_dir: Path
    shop_database_url: str
    currency: str
    demo_seed: int
    demo_products: int
    chroma_path: Path
    chroma_url: str | None  # "http://host:8000": use a Chroma server instead of the directory
    embedding_model: str  # a name ("all-MiniLM-L6-v2") or a path to a sentence-transformers folder
    faq_path: Path
    faq_confidence_threshold: float
    action_host: str
    action_port: int
    knowledge_host: str
    knowledge_port: int
    log_level: str
    # HMAC key for signed customer tokens in channel metadata; empty: nobody is logged in
    customer_token_secret: str = ""
    # The web service (connectors/web): demo storefront, widget assets, chat history, desk
    web_host: str = "127.0.0.1"
    web_port: int = 5057
    # public base URL of the storefront: product links in the bot's cards point there
    storefront_url: str = "http://127.0.0.1:5057"
    # the web service's way to Rasa's HTTP API, and the socket.io server browsers use
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_public_url: str = "http://127.0.0.1:5005"
    # Rasa's API token (only the web service has it: pause, resume, agent messages)
    rasa_token: str = ""
    # when agents answer live ("always", or "Mon-Fri 09:00-18:00, Sat 10:00-16:00")
    desk_hours: str = "always"
    desk_timezone: str = "UTC"
    # FAQ questions retrieval is unsure of are read again by a second model
    # (knowledge.faq_second, about 125 MB per process that answers FAQ questions)
    faq_second_opinion: bool = True
    # The FAQ's own sentence encoder (knowledge.faq_tune, made at set-up); None: the FAQ is
    # read with EMBEDDING_MODEL like the catalog (FAQ_ENCODER=off)
    faq_encoder_path: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        var_dir = Path(env.get("ASSISTANT_VAR_DIR") or PROJECT_ROOT / "var")
        threshold = _float(env, "FAQ_CONFIDENCE_THRESHOLD", 0.55)
        if not 0.0 <= threshold <= 1.0:
            raise SettingsError(
                f"FAQ_CONFIDENCE_THRESHOLD must be between 0 and 1, got {threshold}."
            )
        rasa_url = (env.get("RASA_URL") or "http://127.0.0.1:5005").rstrip("/")
        second = (env.get("FAQ_SECOND_OPINION") or "on").strip().casefold()
        if second not in {"on", "off"}:
            raise SettingsError(f"FAQ_SECOND_OPINION must be on or off, got {second!r}.")
        return cls(
            var_dir=var_dir,
            shop_database_url=env.get("SHOP_DATABASE_URL") or f"sqlite:///{var_dir / 'shop.db'}",
            currency=env.get("SHOP_CURRENCY") or "EUR",
            demo_seed=_int(env, "SHOP_DEMO_SEED", 42),
            demo_products=_int(env, "SHOP_DEMO_PRODUCTS", 1600),
            chroma_path=Path(env.get("CHROMA_PATH") or var_dir / "chroma"),
            chroma_url=env.get("CHROMA_URL") or None,
            embedding_model=env.get("EMBEDDING_MODEL") or "all-MiniLM-L6-v2",
            faq_path=Path(env.get("FAQ_PATH") or PROJECT_ROOT / "knowledge" / "data" / "faq.yml"),
            faq_confidence_threshold=threshold,
            action_host=env.get("ACTION_HOST") or "127.0.0.1",
            action_port=_int(env, "ACTION_PORT", 5055),
            knowledge_host=env.get("KNOWLEDGE_HOST") or "127.0.0.1",
            knowledge_port=_int(env, "KNOWLEDGE_PORT", 5056),
            log_level=env.get("LOG_LEVEL") or "INFO",
            customer_token_secret=env.get("CUSTOMER_TOKEN_SECRET") or "",
            web_host=env.get("WEB_HOST") or "127.0.0.1",
            web_port=_int(env, "WEB_PORT", 5057),
            storefront_url=(env.get("STOREFRONT_URL") or "http://127.0.0.1:5057").rstrip("/"),
            rasa_url=rasa_url,
            rasa_public_url=(env.get("RASA_PUBLIC_URL") or rasa_url).rstrip("/"),
            rasa_token=env.get("RASA_TOKEN") or "",
            desk_hours=env.get("DESK_HOURS") or "always",
            desk_timezone=env.get("DESK_TIMEZONE") or "UTC",
            faq_second_opinion=second == "on",
            faq_encoder_path=_faq_encoder(env, var_dir),
        )


def _faq_encoder(env: Mapping[str, str], var_dir: Path) -> Path | None:
    value = (env.get("FAQ_ENCODER") or "").strip()
    if value.casefold() == "off":
        return None
    return Path(value).expanduser() if value else var_dir / "models" / "faq-encoder"
