"""Rasa 3.6 checks every action server response with a schema that it re-validates each time.

``RemoteAction._validate_action_result`` calls ``jsonschema.validate(result, spec)``, and
``jsonschema.validate`` first checks ``spec`` itself against the JSON Schema meta-schema.
Rasa's events schema is large, so that self-check costs about 19 ms of CPU per custom action
call (measured on this machine; the track-order turn makes two calls), while checking the
response alone takes about 0.5 ms. The schema is a constant, so ``install()`` replaces the
method with one that builds the validator once (checking the schema once) and reports the
same error, with the same message, as Rasa does. Nothing else in Rasa changes.

It fails open: this is a speed-up of a dependency's internals, so anything unexpected (a
moved import, another Rasa version, a schema or jsonschema API that behaves differently)
leaves Rasa's own check in place and logs why. ``install()`` never raises, and the patched
check hands a response back to Rasa's own check if the cached validator itself fails.
Before patching, ``install()`` runs both checks on a valid and an invalid response and
patches only if they agree.

Installed explicitly by the Rasa launcher (``connectors/serve.py``), not as a side effect
of loading a channel. Tests: tests/unit/test_action_response_check.py.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

SUPPORTED_RASA = "3.6."
# Where the patched class lives in Rasa 3.6; a module-level name so that a moved import
# can be simulated (tests) and is reported by name.
ACTION_MODULE = "rasa.core.actions.action"
ACTION_CLASS = "RemoteAction"
METHOD = "_validate_action_result"

# A response Rasa accepts and one it rejects: install() compares both checks on them.
_GOOD_RESPONSE: dict[str, Any] = {
    "events": [{"event": "slot", "name": "s", "value": ["P1"]}],
    "responses": [{"text": "hi", "buttons": [{"title": "1", "payload": "/x"}]}],
}
_BAD_RESPONSE: dict[str, Any] = {"events": [{"event": "slot", "name": 3}], "responses": "x"}


class _Patch:
    """What install() found in Rasa: the class, Rasa's own method and the validator."""

    def __init__(self, remote_action: Any, original: Callable[..., Any], parts: Any) -> None:
        self.remote_action = remote_action
        self.original = original
        self.validation_error: type[Exception] = parts.ValidationError
        self._best_match = parts.best_match
        self._docs_url: str = parts.docs_url
        spec = remote_action.action_response_format_spec()
        cls = parts.validator_for(spec)
        cls.check_schema(spec)  # what jsonschema.validate does on every call
        self._validator = cls(spec)

    def check(self, result: dict[str, Any]) -> bool:
        """Rasa 3.6.21's check with the cached validator: same error, same message."""
        error = self._best_match(self._validator.iter_errors(result))
        if error is not None:
            error.message += (
                ". Failed to validate Action server response from API, "
                "make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit {self._docs_url}/custom-actions"
            )
            raise error
        return True


class _Parts:
    """The names the patch imports from Rasa and jsonschema (resolved in install())."""

    def __init__(self) -> None:
        from jsonschema import ValidationError  # type: ignore[import-untyped]
        from jsonschema.exceptions import best_match  # type: ignore[import-untyped]
        from jsonschema.validators import validator_for  # type: ignore[import-untyped]
        from rasa.shared.constants import DOCS_BASE_URL

        self.ValidationError = ValidationError
        self.best_match = best_match
        self.validator_for = validator_for
        self.docs_url = str(DOCS_BASE_URL)


_patch: _Patch | None = None


def validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """Drop-in for ``RemoteAction._validate_action_result``.

    A ``ValidationError`` is Rasa's answer and goes up as it is; anything else the cached
    validator raises means it does not fit this Rasa after all: Rasa's own check takes
    over for good, and the reason is logged once.
    """
    patch = _patch
    if patch is None:  # uninstalled while a call was under way
        return True
    try:
        return patch.check(result)
    except patch.validation_error:
        raise
    except Exception:  # fail open: any surprise hands the check back to Rasa, logged
        logger.exception(
            "The cached action response check failed unexpectedly; Rasa's own check "
            "is used from now on."
        )
        uninstall()
        return bool(patch.original(self, result))


def installed() -> bool:
    """True when Rasa's RemoteAction uses the cached check."""
    patch = _patch
    return patch is not None and patch.remote_action.__dict__.get(METHOD) is validate_action_result


def _same_outcome(patch: _Patch, response: dict[str, Any]) -> bool:
    def outcome(check: Callable[[dict[str, Any]], Any]) -> tuple[str, str]:
        try:
            return ("ok", repr(check(response)))
        except patch.validation_error as error:
            return ("error", str(getattr(error, "message", error)))

    probe = patch.remote_action("action_response_check_probe", None)
    original = outcome(lambda r: patch.original(probe, r))
    return original == outcome(patch.check)


def install() -> bool:
    """Patch ``RemoteAction`` once; True if the cached check is in place.

    Never raises: whatever goes wrong is logged and Rasa keeps its own check.
    """
    global _patch
    if installed():
        return True
    try:
        import rasa

        version = str(getattr(rasa, "__version__", "unknown"))
        if not version.startswith(SUPPORTED_RASA):
            logger.warning(
                "Not caching the action response schema check: written for Rasa %sx, "
                "running Rasa %s. Custom actions keep Rasa's own (slower) check.",
                SUPPORTED_RASA,
                version,
            )
            return False
        remote_action = getattr(importlib.import_module(ACTION_MODULE), ACTION_CLASS)
        original = remote_action.__dict__[METHOD]
        patch = _Patch(remote_action, original, _Parts())
        if not (_same_outcome(patch, _GOOD_RESPONSE) and _same_outcome(patch, _BAD_RESPONSE)):
            logger.warning(
                "Not caching the action response schema check: it does not answer like "
                "Rasa %s's own check. Custom actions keep Rasa's own check.",
                version,
            )
            return False
    except Exception:  # fail open: a speed-up must never stop Rasa; the reason is logged
        logger.warning(
            "Not caching the action response schema check: this Rasa does not look like "
            "the one it was written for. Custom actions keep Rasa's own check.",
            exc_info=True,
        )
        return False
    _patch = patch
    setattr(remote_action, METHOD, validate_action_result)
    logger.info("Action server responses are checked with a cached jsonschema validator.")
    return True


def uninstall() -> None:
    """Restore Rasa's own check."""
    global _patch
    patch, _patch = _patch, None
    if patch is not None and patch.remote_action.__dict__.get(METHOD) is validate_action_result:
        setattr(patch.remote_action, METHOD, patch.original)
