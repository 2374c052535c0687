"""MiniLmIntentClassifier: a fine-tuned all-MiniLM-L6-v2 reads the intent, beside DIET.

DIET over count vectors knows the words of the training examples; shoppers use others
("registration", "sign-up fee", "my parcel never showed"). all-MiniLM-L6-v2 was trained on a
billion sentence pairs and places paraphrases close together; fine-tuned on this shop's
examples it recognises far more of the messages nobody here wrote (docs/benchmarks.md).

Training (``rasa train``): the intent examples go to ``bot.components.intent_finetune`` in
the Python 3.11 venv (``trainer_python``; torch lives there, the Rasa venv has none), which
fine-tunes the encoder with a linear head and exports an int8 ONNX file; the file, its
tokenizer and its intents are stored in the Rasa model archive like any component's state.

Serving: onnxruntime runs the file on each message (a few milliseconds), softmax gives one
probability per intent, mixed with the ranking of the classifier before it in the pipeline
(DIET): ``other_classifier_weight`` x DIET + (1 - weight) x this model. The mix becomes the
message's intent and ranking, so the FallbackClassifier and the out-of-vocabulary fallback
after it judge the mixed confidence. Entities stay DIET's. Pipeline entry, after DIET::

    - name: bot.components.minilm_intent.MiniLmIntentClassifier
      epochs: 3
      other_classifier_weight: 0.3

Python 3.10, imports rasa, numpy, onnxruntime and tokenizers; torch is never imported here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.exceptions import InvalidConfigException, RasaException
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
# The trainer's output files (bot/components/intent_finetune.py writes them).
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
INTENTS_FILE = "intents.json"
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class IntentModelError(RasaException):
    """The classifier could not be trained or its stored files cannot be read."""


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class MiniLmIntentClassifier(GraphComponent, IntentClassifier):
    """Intent probabilities from a fine-tuned MiniLM, mixed with DIET's ranking."""

    @classmethod
    def required_components(cls) -> list[type]:
        return []  # reads the text only; placed after DIET to mix with its ranking

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "epochs": 3,
            "learning_rate": 5e-5,
            "batch_size": 32,
            "random_seed": 42,
            # torch threads while training; 0 = torch's default (every core)
            "training_threads": 0,
            # the Python with torch that trains; null = $APP_PYTHON, else .venv/bin/python
            "trainer_python": None,
            # a model folder to start from; null = the packaged all-MiniLM-L6-v2
            "base_model": None,
            # share of the previous classifier's (DIET's) ranking in the mix; 0 = this alone
            "other_classifier_weight": 0.3,
            "max_tokens": 128,
            "threads": 1,
            "ranking_length": 10,
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["onnxruntime", "tokenizers"]

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        for key in ("epochs", "batch_size", "max_tokens", "threads", "ranking_length"):
            value = config.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InvalidConfigException(
                    f"MiniLmIntentClassifier: '{key}' must be a whole number >= 1, not {value!r}"
                )
        weight = config.get("other_classifier_weight")
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or not 0 <= weight < 1:
            raise InvalidConfigException(
                "MiniLmIntentClassifier: 'other_classifier_weight' must be a number from 0 "
                f"up to (not including) 1, not {weight!r}"
            )

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model_dir: Path | None = None,
    ) -> None:
        self.validate_config(config)
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._session: Any = None
        self._tokenizer: Any = None
        self._intents: list[str] = []
        if model_dir is not None:
            self._open(model_dir)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MiniLmIntentClassifier:
        return cls(config, model_storage, resource)

    # --- training ---------------------------------------------------------------------
    def train(self, training_data: TrainingData) -> Resource:
        examples = [
            {"text": str(message.get(TEXT)), "intent": str(message.get(INTENT))}
            for message in training_data.intent_examples
            if message.get(TEXT) and message.get(INTENT)
        ]
        if len({example["intent"] for example in examples}) < 2:
            logger.warning("MiniLmIntentClassifier: fewer than two intents; not trained")
            return self._resource
        with self._model_storage.write_to(self._resource) as directory:
            self._fine_tune(examples, directory)
            self._open(directory)
        return self._resource

    def _fine_tune(self, examples: list[dict[str, str]], out_dir: Path) -> None:
        """Fine-tunes into ``out_dir``, or copies the files of an identical earlier training.

        Rasa's own cache keys a component by its whole input, which carries the catalog's
        lookup tables, so a catalog import would fine-tune again on the same examples; this
        cache is keyed by what the fine-tuning reads: the examples, the settings and the
        trainer's source.
        """
        cached = _cache_dir(self._cache_key(examples))
        if all((cached / name).is_file() for name in (MODEL_FILE, TOKENIZER_FILE, INTENTS_FILE)):
            for name in (MODEL_FILE, TOKENIZER_FILE, INTENTS_FILE):
                shutil.copyfile(cached / name, out_dir / name)
            logger.info("MiniLmIntentClassifier: same examples and settings, reused %s", cached)
            return
        self._run_trainer(examples, out_dir)
        staging: Path | None = None
        try:
            staging = Path(tempfile.mkdtemp(prefix="staging-", dir=_ensure(cached.parent)))
            for name in (MODEL_FILE, TOKENIZER_FILE, INTENTS_FILE):
                shutil.copyfile(out_dir / name, staging / name)
            os.replace(staging, cached)
        except OSError as error:  # a full or read-only cache only costs the next training
            logger.warning("MiniLmIntentClassifier: not cached in %s (%s)", cached, error)
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)

    def _cache_key(self, examples: list[dict[str, str]]) -> str:
        digest = hashlib.sha256()
        digest.update(json.dumps(examples, sort_keys=True).encode("utf-8"))
        for key in ("epochs", "learning_rate", "batch_size", "random_seed", "base_model"):
            digest.update(f"|{key}={self._config.get(key)}".encode())
        digest.update((Path(__file__).parent / "intent_finetune.py").read_bytes())
        return digest.hexdigest()[:32]

    def _run_trainer(self, examples: list[dict[str, str]], out_dir: Path) -> None:
        python = trainer_python(self._config.get("trainer_python"))
        with tempfile.TemporaryDirectory(prefix="minilm-intent-") as scratch:
            examples_file = Path(scratch) / "examples.json"
            examples_file.write_text(json.dumps(examples), encoding="utf-8")
            command = [
                str(python),
                "-m",
                "bot.components.intent_finetune",
                f"--examples={examples_file}",
                f"--out={out_dir}",
                f"--epochs={self._config['epochs']}",
                f"--learning-rate={self._config['learning_rate']}",
                f"--batch-size={self._config['batch_size']}",
                f"--seed={self._config['random_seed']}",
                f"--threads={self._config['training_threads']}",
            ]
            if self._config.get("base_model"):
                command.append(f"--base-model={self._config['base_model']}")
            env = {
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "HF_HUB_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1",
                # torch's OpenMP threads sleep instead of spinning while they wait: with other
                # work on the cores, spinning threads made an epoch ten times slower
                "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE"),
            }
            logger.info(
                "MiniLmIntentClassifier: fine-tuning on %d examples with %s", len(examples), python
            )
            # the trainer's progress goes to this process's stderr, as Rasa's own does
            done = subprocess.run(command, cwd=ROOT, env=env, check=False, stdout=sys.stderr)
            if done.returncode != 0:
                raise IntentModelError(
                    f"MiniLmIntentClassifier: the fine-tuning ({' '.join(command[:3])}) failed "
                    f"with exit status {done.returncode}; its error is printed above"
                )

    # --- loading ----------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> MiniLmIntentClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                return cls(config, model_storage, resource, directory)
        except ValueError:
            # Rasa's documented case: never trained (e.g. `rasa train core`)
            logger.warning(
                "MiniLmIntentClassifier has no trained model in this archive: DIET alone "
                "reads intents. Retrain the NLU model to use it."
            )
            return cls(config, model_storage, resource)

    def _open(self, directory: Path) -> None:
        import onnxruntime  # type: ignore[import-untyped]
        from tokenizers import Tokenizer

        try:
            meta = json.loads((directory / INTENTS_FILE).read_text(encoding="utf-8"))
            intents = [str(intent) for intent in meta["intents"]]
            tokenizer = Tokenizer.from_file(str(directory / TOKENIZER_FILE))
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = int(self._config["threads"])
            options.inter_op_num_threads = 1
            session = onnxruntime.InferenceSession(
                str(directory / MODEL_FILE), options, providers=["CPUExecutionProvider"]
            )
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as error:
            raise IntentModelError(
                f"MiniLmIntentClassifier: the stored model in {directory} cannot be read "
                f"({error}); retrain with `rasa train`"
            ) from error
        tokenizer.enable_truncation(int(self._config["max_tokens"]))
        tokenizer.enable_padding()
        self._intents, self._tokenizer, self._session = intents, tokenizer, session

    # --- serving ----------------------------------------------------------------------
    def process(self, messages: list[Message]) -> list[Message]:
        if self._session is None:
            return messages
        batch = [message for message in messages if message.get(TEXT)]
        if not batch:
            return messages
        probabilities = self.probabilities([str(message.get(TEXT)) for message in batch])
        weight = float(self._config["other_classifier_weight"])
        for message, own in zip(batch, probabilities, strict=True):
            mixed = own if weight == 0 else mix(own, self._intents, message, weight)
            ranking = sorted(
                zip(self._intents, mixed.tolist(), strict=True),
                key=lambda pair: pair[1],
                reverse=True,
            )[: int(self._config["ranking_length"])]
            message.set(
                INTENT,
                {INTENT_NAME_KEY: ranking[0][0], PREDICTED_CONFIDENCE_KEY: ranking[0][1]},
                add_to_output=True,
            )
            message.set(
                INTENT_RANKING_KEY,
                [{INTENT_NAME_KEY: n, PREDICTED_CONFIDENCE_KEY: c} for n, c in ranking],
                add_to_output=True,
            )
        return messages

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Softmax over this model's intents for each text, shape (len(texts), intents)."""
        encodings = self._tokenizer.encode_batch(texts)
        feed = {
            "input_ids": np.asarray([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.asarray([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.asarray([e.type_ids for e in encodings], dtype=np.int64),
        }
        (logits,) = self._session.run(None, {name: feed[name] for name in _INPUTS})
        return softmax(np.asarray(logits, dtype=np.float64))


def mix(own: np.ndarray, intents: list[str], message: Message, weight: float) -> np.ndarray:
    """``weight`` x the ranking already on the message + (1 - weight) x ``own``.

    An intent missing from that ranking (outside its top ``ranking_length``) counts as 0
    there; with no ranking at all (no classifier before this one) ``own`` stands alone.
    """
    ranking = message.get(INTENT_RANKING_KEY) or []
    if not ranking:
        return own
    other = {
        str(entry.get(INTENT_NAME_KEY)): entry.get(PREDICTED_CONFIDENCE_KEY) for entry in ranking
    }
    theirs = np.asarray([float(other.get(intent) or 0.0) for intent in intents])
    return weight * theirs + (1.0 - weight) * own


def _cache_dir(key: str) -> Path:
    """Where a fine-tuning's files are kept: beside Rasa's own training cache."""
    base = Path(os.environ.get("RASA_CACHE_DIRECTORY") or Path(".rasa", "cache"))
    return base.expanduser().resolve() / "minilm-intent" / key


def _ensure(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def trainer_python(configured: Any) -> Path:
    """The Python that fine-tunes: the configured one, $APP_PYTHON, or the project's .venv."""
    candidates = [configured, os.environ.get("APP_PYTHON"), ROOT / ".venv" / "bin" / "python"]
    for candidate in candidates:
        if candidate:
            path = Path(str(candidate)).expanduser()
            if path.is_file():
                return path
            if candidate is configured:
                raise IntentModelError(
                    f"MiniLmIntentClassifier: trainer_python {path} does not exist"
                )
    raise IntentModelError(
        "MiniLmIntentClassifier trains in the project's Python 3.11 venv (torch), which was "
        f"not found ($APP_PYTHON unset, {ROOT / '.venv' / 'bin' / 'python'} missing): run "
        "scripts/setup.sh"
    )
