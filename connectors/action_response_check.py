"""Rasa 3.6 checks every action server response with a schema that it re-validates each time.

``RemoteAction._validate_action_result`` calls ``jsonschema.validate(result, spec)``, and
``jsonschema.validate`` first checks ``spec`` itself against the JSON Schema meta-schema.
Rasa's events schema is large, so that self-check costs about 19 ms of CPU per custom action
call (measured on this machine; the track-order turn makes two calls), while checking the
response alone takes about 0.5 ms. The schema is a constant, so ``install()`` replaces the
method with one that builds the validator once (checking the schema once) and reports the
same error, with the same message, as Rasa does. Nothing else in Rasa changes.

Applied by ``connectors.rest_channel`` when the Rasa server loads the channel. It only
patches the exact Rasa minor version it was written against (3.6) and logs a warning and
leaves Rasa alone otherwise. Tests: tests/unit/test_action_response_check.py.
"""

from __future__ import annotations

import logging
from typing import Any

import rasa
from jsonschema.exceptions import best_match  # type: ignore[import-untyped]
from jsonschema.validators import validator_for  # type: ignore[import-untyped]
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

logger = logging.getLogger(__name__)

SUPPORTED_RASA = "3.6."
_ORIGINAL = RemoteAction.__dict__.get("_validate_action_result")
_validator: Any = None


def _response_validator() -> Any:
    """The validator for Rasa's action response schema, its schema checked once."""
    global _validator
    if _validator is None:
        spec = RemoteAction.action_response_format_spec()
        cls = validator_for(spec)
        cls.check_schema(spec)  # what jsonschema.validate does on every call
        _validator = cls(spec)
    return _validator


def validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """Drop-in for ``RemoteAction._validate_action_result`` (Rasa 3.6.21, same errors)."""
    error = best_match(_response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def installed() -> bool:
    return RemoteAction.__dict__.get("_validate_action_result") is validate_action_result


def install() -> bool:
    """Patch ``RemoteAction`` once; True if the cached check is in place."""
    if installed():
        return True
    if not rasa.__version__.startswith(SUPPORTED_RASA) or _ORIGINAL is None:
        logger.warning(
            "Not caching the action response schema check: written for Rasa %sx, running "
            "Rasa %s. Custom actions keep Rasa's own (slower) check.",
            SUPPORTED_RASA,
            rasa.__version__,
        )
        return False
    _response_validator()
    RemoteAction._validate_action_result = validate_action_result
    logger.debug("Action server responses are checked with a cached jsonschema validator.")
    return True


def uninstall() -> None:
    """Restore Rasa's own check (for tests)."""
    if _ORIGINAL is not None:
        RemoteAction._validate_action_result = _ORIGINAL
