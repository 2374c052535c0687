"""The catalog's words as set-up writes them, read by the Rasa server while it runs.

Set-up writes the shop's lookup tables and synonyms from whatever catalog it holds into
``$ASSISTANT_VAR_DIR/nlu/lookups/*.generated.yml`` (``nlu_data/generate_lookups.py``). The
model is trained on the demo catalog's tables (``nlu_data/lookups/``, committed, since the
training examples are written with the demo's words); the components of this package that
know catalog words (``CatalogRegexFeaturizer``, ``CatalogSynonymMapper``,
``OutOfVocabularyFallback``) swap in these files' words when they serve. So a merchant's
catalog import changes what the NLU recognises without a retrain, and a running server picks
a new import up at its next message: the folder's files are checked (one ``stat`` each) on
every message and read again when one changed.

A file that cannot be read or parsed keeps the words read before (logged); the server never
stops answering because of it.

Python 3.10, imports only rasa and the standard library (it runs inside the Rasa server).
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

logger = logging.getLogger(__name__)

# The component option that names the folder: null = $ASSISTANT_VAR_DIR/nlu/lookups (or
# var/nlu/lookups under the working directory), false = the trained words only.
OPTION = "catalog_lookups"
FILE_PATTERN = "*.yml"


@dataclass(frozen=True)
class CatalogWords:
    """One reading of the folder: lookup tables by name, and synonym -> catalog value."""

    tables: dict[str, list[str]] = field(default_factory=dict)
    synonyms: dict[str, str] = field(default_factory=dict)

    def texts(self) -> list[str]:
        """Every word the files teach: table entries, synonyms and their values."""
        found = [entry for entries in self.tables.values() for entry in entries]
        for synonym, value in self.synonyms.items():
            found.extend((synonym, value))
        return found


def folder_from_config(value: Any) -> Path | None:
    """The folder the option names (see ``OPTION``); None when it is switched off."""
    if value is False or value == "":
        return None
    if value is None:
        var_dir = os.environ.get("ASSISTANT_VAR_DIR")
        base = Path(var_dir) if var_dir else Path("var")
        return (base / "nlu" / "lookups").expanduser().resolve()
    return Path(str(value)).expanduser().resolve()


def validate_option(component: str, value: Any) -> None:
    from rasa.shared.exceptions import InvalidConfigException

    if value is None or value is False or isinstance(value, str):
        return
    raise InvalidConfigException(
        f"{component}: '{OPTION}' must be a folder, null (the var folder's nlu/lookups) or "
        f"false (the trained words only), not {value!r}"
    )


class CatalogWordsFolder:
    """Reads the folder again whenever its files change; thread-safe.

    Components get theirs from ``shared``: one reader per folder in the process, so the
    folder is checked and parsed once per message and change, not once per component.
    """

    _shared: dict[Path, CatalogWordsFolder] = {}
    _shared_lock = threading.Lock()

    @classmethod
    def shared(cls, folder: Path | None) -> CatalogWordsFolder:
        """The process's reader of ``folder`` (a reader of nothing for None)."""
        if folder is None:
            return cls(None)
        with cls._shared_lock:
            reader = cls._shared.get(folder)
            if reader is None:
                reader = cls._shared[folder] = cls(folder)
            return reader

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._signature: tuple[tuple[str, int, int], ...] | None = None
        self._words: CatalogWords | None = None

    def current(self) -> CatalogWords | None:
        """The folder's words, or None when there is no folder or no file in it."""
        if self.folder is None:
            return None
        signature = self._signature_now()
        with self._lock:
            if signature == self._signature:
                return self._words
            self._signature = signature  # a file that fails is not read again until it changes
            if not signature:
                self._words = None
                logger.warning(
                    "No catalog words in %s: serving with the model's trained (demo) lookup "
                    "tables; scripts/setup.sh writes the shop's own there",
                    self.folder,
                )
                return None
            words = self._read(signature)
            if words is not None:
                self._words = words
                logger.info(
                    "Catalog words from %s: %d tables (%d entries), %d synonyms",
                    self.folder,
                    len(words.tables),
                    sum(len(entries) for entries in words.tables.values()),
                    len(words.synonyms),
                )
            return self._words

    def _signature_now(self) -> tuple[tuple[str, int, int], ...]:
        assert self.folder is not None
        entries = []
        try:
            paths = sorted(self.folder.glob(FILE_PATTERN))
        except OSError:
            return ()
        for path in paths:
            try:
                stat = path.stat()
            except OSError:  # removed between the listing and the stat
                continue
            entries.append((path.name, stat.st_mtime_ns, stat.st_size))
        return tuple(entries)

    def _read(self, signature: tuple[tuple[str, int, int], ...]) -> CatalogWords | None:
        assert self.folder is not None
        tables: dict[str, list[str]] = {}
        synonyms: dict[str, str] = {}
        for name, _, _ in signature:
            path = self.folder / name
            try:
                data = RasaYAMLReader().reads(path.read_text(encoding="utf-8"))
            except Exception as error:  # any parse error: a bad file must not stop the server
                logger.error(
                    "Catalog words: %s cannot be read (%s); keeping the words read before",
                    path,
                    error,
                )
                return None
            for table in data.lookup_tables:
                elements = table.get("elements")
                if isinstance(elements, list):
                    tables.setdefault(str(table["name"]), []).extend(str(e) for e in elements)
            for synonym, value in data.entity_synonyms.items():
                synonyms[str(synonym).lower()] = str(value)
        return CatalogWords(tables=tables, synonyms=synonyms)
