"""Custom Rasa graph components, loaded by the Rasa server (Python 3.10).

``vocabulary``, ``wordpiece`` (the embedding model's whole words), ``mashing`` (keyboard
mashing told from real words) and ``gibberish`` (the three put together) hold the pure
decision logic of the out-of-vocabulary rule (no Rasa import, unit-tested on Python 3.11;
the action server's knowledge fallback uses ``gibberish`` too); ``oov_fallback`` is the Rasa
wrapper named in config.yml.
``minilm_encoder`` (no Rasa import) and ``minilm_featurizer`` give dense sentence features
from the packaged int8 MiniLM on onnxruntime (``knowledge.onnx_model``: numpy,
onnxruntime, tokenizers); the featurizer is measured in ``bench/nlu_eval.py`` and not yet
in config.yml.
"""
