"""Load and validate the merchant's FAQ file (YAML).

Errors name the entry (by position and id) and the field, and say what is expected, so a
merchant can fix the file without reading code.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from knowledge.api import FaqEntry
from knowledge.errors import FaqDataError

_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_FIELDS = frozenset({"id", "topic", "question", "answer", "alternates"})
_MAX_TEXT = 2000


def _text(path: Path, where: str, entry: dict[str, Any], field: str) -> str:
    value = entry.get(field)
    if not isinstance(value, str) or not value.strip():
        raise FaqDataError(path, f"{where}: field {field!r} must be a non-empty text.")
    if len(value) > _MAX_TEXT:
        raise FaqDataError(path, f"{where}: field {field!r} is longer than {_MAX_TEXT} characters.")
    return " ".join(value.split())


def parse_faq(raw: object, path: Path) -> tuple[FaqEntry, ...]:
    if not isinstance(raw, dict) or not isinstance(raw.get("entries"), list):
        raise FaqDataError(path, "expected a mapping with a list under 'entries:'.")
    entries: list[FaqEntry] = []
    seen: set[str] = set()
    for position, item in enumerate(raw["entries"], start=1):
        where = f"entry {position}"
        if not isinstance(item, dict):
            raise FaqDataError(
                path, f"{where}: expected a mapping with id, topic, question, answer."
            )
        if isinstance(item.get("id"), str):
            where = f"entry {position} (id {item['id']!r})"
        unknown = sorted(set(map(str, item)) - _FIELDS)
        if unknown:
            raise FaqDataError(
                path,
                f"{where}: unknown field(s) {', '.join(unknown)}; "
                f"allowed: {', '.join(sorted(_FIELDS))}.",
            )
        entry_id = _text(path, where, item, "id")
        if not _ID_RE.match(entry_id):
            raise FaqDataError(
                path, f"{where}: field 'id' must be lower-case words joined by dashes."
            )
        if entry_id in seen:
            raise FaqDataError(path, f"{where}: field 'id' repeats an earlier entry's id.")
        seen.add(entry_id)
        alternates_raw = item.get("alternates", []) or []
        if not isinstance(alternates_raw, list):
            raise FaqDataError(path, f"{where}: field 'alternates' must be a list of texts.")
        alternates = []
        for index, alternate in enumerate(alternates_raw, start=1):
            if not isinstance(alternate, str) or not alternate.strip():
                raise FaqDataError(
                    path, f"{where}: field 'alternates' item {index} must be a non-empty text."
                )
            alternates.append(" ".join(alternate.split()))
        entries.append(
            FaqEntry(
                id=entry_id,
                topic=_text(path, where, item, "topic"),
                question=_text(path, where, item, "question"),
                answer=_text(path, where, item, "answer"),
                alternates=tuple(alternates),
            )
        )
    if not entries:
        raise FaqDataError(path, "the file has no entries.")
    return tuple(entries)


def load_faq(path: Path) -> tuple[FaqEntry, ...]:
    """The validated entries of the FAQ file at ``path``."""
    try:
        raw = yaml.safe_load(path.read_text("utf-8"))
    except FileNotFoundError:
        raise FaqDataError(path, "file not found; set FAQ_PATH to the FAQ file.") from None
    except yaml.YAMLError as exc:
        raise FaqDataError(path, f"not valid YAML: {exc}") from None
    return parse_faq(raw, path)
